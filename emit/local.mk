# emit fragment: filled in by the owner of emit/
