"""The `model-import` command line. Depends on the core; the core never imports it."""
