"""One module per CLI command: the glue between the command line, the config and the pieces it runs."""
