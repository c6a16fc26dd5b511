"""Parses HL7 v2 messages with python-hl7 (Debian's python3-hl7), not
chartscan's own code, and prints what it read as JSON: for each file,
each segment's id and fields, each field as the list of its components
(first repetition), unescaped by python-hl7.

    /usr/bin/python3 hl7fields.py FILE...      (one message per file)
    /usr/bin/python3 hl7fields.py --mllp FILE  (framed messages, one after the other)
"""
import json
import sys

import hl7


def fields_of(msg, seg):
    out = []
    if str(seg[0]) == "MSH":
        out.append([str(seg[1])])  # MSH-1, the field separator
        out.append([str(seg[2])])  # MSH-2, the encoding characters
        rest = seg[3:]
    else:
        rest = seg[1:]
    for field in rest:
        if isinstance(field, str):
            out.append([msg.unescape(field)])
            continue
        rep = field[0] if len(field) else ""
        if isinstance(rep, str):
            out.append([msg.unescape(rep)])
            continue
        out.append([msg.unescape(str(c)) for c in rep])
    return out


def dump(text):
    msg = hl7.parse(text)
    return [{"id": str(seg[0]), "fields": fields_of(msg, seg)} for seg in msg]


def main(args):
    mllp = args and args[0] == "--mllp"
    if mllp:
        args = args[1:]
    out = []
    for path in args:
        with open(path, newline="", encoding="utf-8") as f:
            text = f.read()
        if mllp:
            for frame in text.split("\x1c\r"):
                frame = frame.lstrip("\x0b")
                if frame:
                    out.append({"file": path, "segments": dump(frame)})
        else:
            out.append({"file": path, "segments": dump(text)})
    json.dump(out, sys.stdout)


main(sys.argv[1:])
