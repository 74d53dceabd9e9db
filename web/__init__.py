"""The HTTP service and the `dangjian` command."""
