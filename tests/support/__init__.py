"""Helpers shared by the tests: waiting, sample objects, wire-level clients, fake servers, the Qt harness."""
