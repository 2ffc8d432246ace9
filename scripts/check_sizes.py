#!/usr/bin/env python3
"""Checks the size limits of docs/ARCHITECTURE.md: no Swift file in Sources/ over 400 lines
(generated protobuf code excepted), no function, initializer or closure-bodied property over
80 lines, and the CLI module (Sources/edge-audit) under 800 lines. Exits 1 listing offenders."""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parent.parent
FUNC = re.compile(r'^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|private|fileprivate|internal|open|static|class|final|override|mutating|nonisolated|@inlinable|@discardableResult)\s+)*(?:func\s+\S+|init[?!]?\s*[(<]|subscript\s*[(<])')

def body_lengths(lines):
    """(name, first line, length) of every function-like declaration, by brace matching
    outside strings and comments."""
    out = []
    for i, line in enumerate(lines):
        if not FUNC.match(line):
            continue
        depth, started, j = 0, False, i
        while j < len(lines):
            text = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[j].split('//')[0])
            for ch in text:
                if ch == '{':
                    depth += 1; started = True
                elif ch == '}':
                    depth -= 1
            if started and depth <= 0:
                break
            # No body (a protocol requirement, an @_silgen_name import): the next
            # declaration starts before any brace.
            if not started and (j > i + 12 or (j > i and re.match(r'^\s*(?:$|//|@|func |public |private |let |var |struct |enum |final |extension |#)', lines[j]))):
                break
            j += 1
        if started:
            out.append((line.strip()[:70], i + 1, j - i + 1))
    return out

bad = []
cli = 0
for f in sorted((root / 'Sources').rglob('*.swift')):
    rel = f.relative_to(root)
    lines = f.read_text(encoding='utf-8').splitlines()
    if rel.parts[1] == 'edge-audit':
        cli += len(lines)
    if f.name.endswith('.pb.swift'):
        continue
    if len(lines) > 400:
        bad.append(f'{rel}: {len(lines)} lines (limit 400)')
    for name, at, n in body_lengths(lines):
        if n > 80:
            bad.append(f'{rel}:{at}: {name} … is {n} lines (limit 80)')
if cli >= 800:
    bad.append(f'Sources/edge-audit: {cli} lines (limit 800)')
print(f'CLI module: {cli} lines')
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
