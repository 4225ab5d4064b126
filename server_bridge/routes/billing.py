"""Placeholder so the app factory can import every router; filled in by the bridge's billing work."""

from fastapi import APIRouter

router = APIRouter()
