"""One module per area; each area is a LiveView fed by an adapter's LiveFeed."""
