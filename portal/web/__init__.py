"""Glue every page uses, importing no feature: templating, errors, static files, ETag/304, the page cache, the change tracker."""
