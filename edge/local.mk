# edge fragment: filled in by the owner of edge/
include edge/www/local.mk
