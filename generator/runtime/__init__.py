"""Hand-written runtime copied verbatim into every generated package."""
