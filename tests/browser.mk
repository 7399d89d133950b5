# browser tests fragment: filled in by the owner of edge/www and tests/browser/
