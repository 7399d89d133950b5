# edge fragment: filled in by the owner of edge/
