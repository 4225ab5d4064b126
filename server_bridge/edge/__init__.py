"""The HTTP edge: what every request may carry (body limits, validated text), its deadline, and who sent it."""
