#!/bin/sh
# Draws an SVG picture in the colour the source names: a custom worker
# whose output the thumbnail action then makes renditions of.
#   $1 the source file, $2 the rendition to write
set -eu
IFS= read -r colour <"$1" || true
printf '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="%s"/><circle cx="100" cy="50" r="40" fill="#ffffff"/></svg>\n' "$colour" >"$2"
