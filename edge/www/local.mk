# Dashboard page and JavaScript client, installed as static files that
# flowhub-edge serves from --www (default $(wwwdir)).  No build step.
www_DATA += \
	%reldir%/index.html \
	%reldir%/app.js \
	%reldir%/style.css \
	%reldir%/flowhub-client.js \
	%reldir%/flowhub-client.d.ts
EXTRA_DIST += \
	%reldir%/index.html \
	%reldir%/app.js \
	%reldir%/style.css \
	%reldir%/flowhub-client.js \
	%reldir%/flowhub-client.d.ts
# how to use the client (lives in doc/, belongs to this module)
EXTRA_DIST += doc/client.md
