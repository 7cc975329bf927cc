#!/bin/sh
# Makes client/demo/replay.webm, the stand-in recording the demo's replay view plays: ten
# minutes of a clock showing the video's own time, VP9 at 2 frames/s (about 160 KB).
# Needs ffmpeg (apt-get install ffmpeg); the file is committed, so nobody else has to run this.
set -eu
ffmpeg -hide_banner -loglevel error -f lavfi \
  -i "color=c=0x1d2a3a:s=320x180:r=2:d=600,drawtext=text='%{pts\:hms}':fontsize=36:fontcolor=white:x=(w-tw)/2:y=(h-th)/2" \
  -c:v libvpx-vp9 -b:v 0 -crf 55 -deadline good -cpu-used 4 -g 20 -an -y client/demo/replay.webm
