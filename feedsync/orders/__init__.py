"""Marketplace orders: read them (API or report file), map their SKUs to the catalog, hand them to the store's
sink exactly once, and send tracking numbers back."""
