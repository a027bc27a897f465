"""One router per resource; each is a thin layer over one core call."""
