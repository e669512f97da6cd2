#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-element-docs.py: the element reference in docs/ must tell the truth
# about the code. For every element of our plugins found in the registry of
# the build tree it checks:
#
#  1. the element metadata (long name, klass, description, author) and every
#     property blurb are not empty;
#  2. docs/<element>.md exists and has one generated reference section
#     (<!-- BEGIN GENERATED REFERENCE --> ... <!-- END GENERATED REFERENCE -->)
#     in which every property (name, type, default, flags, blurb), signal
#     (kind, signature) and pad template (direction, presence, caps) of the
#     registry is listed, and nothing else (no stale rows);
#  3. that section is byte for byte what scripts/gen-element-docs.py would
#     write now (so the fix is always: rerun the generator);
#  4. hand-written tables outside the section (under a "Properties",
#     "Signals" or "Pads" heading) name only properties, signals and pads
#     that exist, and where they give a type, default, access, direction,
#     presence or caps, it agrees with the registry (loosely: `uint` for
#     guint, `TRUE` for true, the nick for an enum, ...);
#  5. docs/plugins/gst_plugins_cache.json holds the same data as the
#     registry for the plugins built here.
#
# Exit status: 0 all good, 1 something to fix (every problem is listed, with
# the command that fixes the generated parts), 77 skipped (no gi/Gst).
# Registered as the meson test `element_docs` (suite `docs`).

import argparse
import difflib
import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_generator(source_dir):
    path = os.path.join(source_dir, 'scripts', 'gen-element-docs.py')
    spec = importlib.util.spec_from_file_location('gen_element_docs', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Report:
    def __init__(self):
        self.problems = []

    def add(self, where, msg):
        self.problems.append('%s: %s' % (where, msg))


# ---------------------------------------------------------------------------
# Markdown tables
# ---------------------------------------------------------------------------

CELL_SPLIT = re.compile(r'(?<!\\)\|')
BACKTICKED = re.compile(r'`([^`]+)`')


def split_row(line):
    s = line.strip()
    if s.startswith('|'):
        s = s[1:]
    if s.endswith('|') and not s.endswith('\\|'):
        s = s[:-1]
    return [c.strip() for c in CELL_SPLIT.split(s)]


def is_separator(cells):
    return all(re.fullmatch(r':?-{1,}:?', c.replace(' ', '')) for c in cells if c) \
        and any(cells)


def tables(text, first_line=1):
    """Yield (heading, header cells, [(line number, cells)]) for each
    Markdown table of @text outside code fences."""
    lines = text.split('\n')
    heading = ''
    fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith('```'):
            fence = not fence
            i += 1
            continue
        if fence:
            i += 1
            continue
        if re.match(r'#{1,6}\s', line):
            heading = line.lstrip('#').strip()
            i += 1
            continue
        if line.lstrip().startswith('|') and i + 1 < len(lines) \
                and lines[i + 1].lstrip().startswith('|') \
                and is_separator(split_row(lines[i + 1])):
            header = split_row(line)
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].lstrip().startswith('|'):
                rows.append((first_line + j, split_row(lines[j])))
                j += 1
            yield heading, header, rows
            i = j
            continue
        i += 1


def unquote(cell):
    c = cell.strip()
    m = BACKTICKED.fullmatch(c) or re.fullmatch(r'``(.+)``', c)
    if m:
        c = m.group(1).strip()
    if len(c) >= 2 and c[0] == c[-1] == '"':
        c = c[1:-1]
    return c.replace('\\|', '|')


# ---------------------------------------------------------------------------
# Loose comparisons (hand-written tables and the structured check)
# ---------------------------------------------------------------------------

TYPE_SYNONYMS = {
    'gchararray': {'gchararray', 'string', 'str', 'gchar', 'utf8', 'char'},
    'gboolean': {'gboolean', 'boolean', 'bool'},
    'guint': {'guint', 'uint', 'unsigned'},
    'gint': {'gint', 'int', 'integer'},
    'guint64': {'guint64', 'uint64'},
    'gint64': {'gint64', 'int64'},
    'gulong': {'gulong', 'ulong'},
    'glong': {'glong', 'long'},
    'gdouble': {'gdouble', 'double'},
    'gfloat': {'gfloat', 'float'},
    'GstStructure': {'gststructure', 'structure'},
    'GstBuffer': {'gstbuffer', 'buffer', 'bytes'},
    'GstCaps': {'gstcaps', 'caps'},
}

NOT_STATED = {'', '—', '–', '-', 'n/a', 'none given'}
ACCESS_WORDS = {'read-only', 'readonly', 'write-only', 'writeonly'}


def type_matches(doc, reg_type, kind=None):
    """@kind: 'enum' or 'flags' for those types ('enum' is then enough)."""
    words = {w.lower() for w in re.findall(r'[A-Za-z_][A-Za-z0-9_]*', doc)}
    accepted = set(TYPE_SYNONYMS.get(reg_type, {reg_type.lower()}))
    if kind:
        accepted.add(kind)
    return bool(words & accepted)


def default_candidates(p, gen):
    """Spellings of the registry default a human may write."""
    if 'default' not in p:
        return None
    d = p['default']
    t = p['type']
    if t == 'gchararray':
        return {'null', 'none', '(null)'} if d == 'NULL' else {d.lower()}
    if t == 'gboolean':
        return {d, d.upper()} | ({'yes'} if d == 'true' else {'no'})
    m = re.fullmatch(r'(.*) \((-?\d+)\)', d)
    if m:           # enum: "nick (value)"
        return {d.lower(), m.group(1).lower(), m.group(2)}
    if d == '(none)':   # flags with no bit set
        return {'(none)', 'none', '0', '0 (none)'}
    return {d.lower()}


def default_matches(doc, p, gen):
    """None when the documented default is fine, else the reason."""
    c = unquote(doc).strip().rstrip('.').strip()
    if '`' in c:
        c = c.replace('`', '')
    low = c.lower()
    # the value may be followed by a remark: "NULL (= host)", "true on Linux"
    first = re.split(r'[\s(]', low, 1)[0].strip('"')
    boxed = p['type'] in ('GstStructure', 'GstBuffer', 'GstCaps') or \
        'default' not in p
    if low in NOT_STATED:
        if boxed or not p['readable']:
            return None
        return 'no default given; the registry says %s' % p['default']
    cands = default_candidates(p, gen)
    if cands is None:
        if low in ('null', 'none', '(null)'):
            return None
        return None if boxed else 'documented %r, the registry has no default' % c
    if p['type'] == 'GstStructure':
        # a structure default: the documented name must be the structure's
        name = p['default'].split(',', 1)[0].strip().lower()
        return None if low.startswith(name) or low in NOT_STATED else \
            'documented %r, the registry default is %r' % (c, p['default'])
    if low in cands or first in cands:
        return None
    if p['type'] in ('guint', 'gint', 'guint64', 'gint64', 'gulong', 'glong'):
        m = re.match(r'-?\d[\d_ ]*', c)
        if m and int(re.sub(r'[_ ]', '', m.group(0))) == int(p['default']):
            return None
    if p['type'] in ('gdouble', 'gfloat'):
        try:
            if float(c) == float(p['default']):
                return None
        except ValueError:
            pass
    return 'documented default %r, the registry says %r' % (c, p['default'])


def access_mismatch(text, p):
    low = text.lower()
    if re.search(r'\bread-?only\b', low) and p['writable']:
        return 'documented read-only but the property is writable'
    if re.search(r'\bwrite-?only\b', low) and p['readable']:
        return 'documented write-only but the property is readable'
    return None


def pad_name_matches(doc_name, templates):
    if doc_name in templates:
        return doc_name
    for t in templates:
        rx = re.escape(t).replace('%u', r'\d+').replace('%d', r'-?\d+') \
            .replace('%s', r'.+')
        if re.fullmatch(rx, doc_name):
            return t
    return None


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def type_kind(e, p):
    t = e['_doc']['other-types'].get(p['type'])
    return t['kind'] if t else None


def check_metadata(rep, ename, e):
    where = 'registry %s' % ename
    for key in ('long-name', 'klass', 'description', 'author'):
        if not (e.get(key) or '').strip():
            rep.add(where, 'element metadata %r is empty (gst_element_class_set_'
                    'static_metadata)' % key)
    for pname, p in sorted(e.get('properties', {}).items()):
        blurb = (p.get('blurb') or '').strip()
        if not blurb or blurb.lower() == pname.lower():
            rep.add(where, 'property %r has no blurb (the param spec\'s '
                    'description, shown by gst-inspect-1.0)' % pname)


def section_rows(section, title):
    """Rows of the first table under '### <title>' in the generated
    section: {first-cell name: (line, cells)}."""
    out = {}
    for heading, header, rows in tables(section):
        if heading != title:
            continue
        for line, cells in rows:
            name = unquote(cells[0]) if cells else ''
            out[name] = (line, cells)
        break
    return out


def check_generated(rep, page, ename, e, section, gen):
    """Structured comparison of the generated section with the registry,
    so the failure says what changed, not only that the text differs."""
    props = e.get('properties', {})
    rows = section_rows(section, 'Properties')
    for name in sorted(set(props) - set(rows)):
        rep.add(page, 'property %r is not documented (missing row)' % name)
    for name in sorted(set(rows) - set(props)):
        rep.add(page, 'property %r is documented but the element has no such '
                'property (stale row)' % name)
    for name in sorted(set(rows) & set(props)):
        line, cells = rows[name]
        p = props[name]
        where = '%s (generated section, property %r)' % (page, name)
        if len(cells) != 5:
            rep.add(where, 'row needs 5 cells: | `name` | type | default | '
                    'flags | description |')
            continue
        if not type_matches(cells[1], p['type'], type_kind(e, p)):
            rep.add(where, 'type %r, registry type %s' % (cells[1], p['type']))
        why = default_matches(cells[2], p, gen)
        if why:
            rep.add(where, why)
        if cells[3] != gen.property_flags_text(p):
            rep.add(where, 'flags %r, registry flags %r' %
                    (cells[3], gen.property_flags_text(p)))
        if ' '.join(cells[4].replace('\\|', '|').split()) != \
                ' '.join(p['blurb'].split()):
            rep.add(where, 'description %r, registry blurb %r' %
                    (cells[4], p['blurb']))

    sigs = e.get('signals', {})
    rows = section_rows(section, 'Signals')
    for name in sorted(set(sigs) - set(rows)):
        rep.add(page, 'signal %r is not documented (missing row)' % name)
    for name in sorted(set(rows) - set(sigs)):
        rep.add(page, 'signal %r is documented but the element has no such '
                'signal (stale row)' % name)
    for name in sorted(set(rows) & set(sigs)):
        line, cells = rows[name]
        s = sigs[name]
        where = '%s (generated section, signal %r)' % (page, name)
        kind = 'action' if s.get('action') else 'signal'
        if len(cells) < 3:
            rep.add(where, 'row needs | `name` | kind | signature | flags |')
            continue
        if cells[1] != kind:
            rep.add(where, 'kind %r, registry: %s' % (cells[1], kind))
        sig = gen.signal_signature_text(e['_doc']['type-name'], s)
        if unquote(cells[2]) != sig:
            rep.add(where, 'signature %r, registry %r' % (unquote(cells[2]), sig))

    pads = e.get('pad-templates', {})
    rows = section_rows(section, 'Pad templates')
    for name in sorted(set(pads) - set(rows)):
        rep.add(page, 'pad template %r is not documented (missing row)' % name)
    for name in sorted(set(rows) - set(pads)):
        rep.add(page, 'pad template %r is documented but the element has no '
                'such template (stale row)' % name)
    for name in sorted(set(rows) & set(pads)):
        line, cells = rows[name]
        t = pads[name]
        where = '%s (generated section, pad template %r)' % (page, name)
        if len(cells) != 4:
            rep.add(where, 'row needs | `name` | direction | presence | caps |')
            continue
        for i, key in ((1, 'direction'), (2, 'presence')):
            if cells[i] != t[key]:
                rep.add(where, '%s %r, registry %r' % (key, cells[i], t[key]))
        if unquote(cells[3]) != t['_caps_short']:
            rep.add(where, 'caps %r, registry %r' % (unquote(cells[3]),
                                                      t['_caps_short']))


def check_handwritten(rep, page, e, prose, all_props, all_signals):
    """Tables outside the generated section: no stale names, and what they
    state must agree with the registry."""
    props = e.get('properties', {})
    pads = e.get('pad-templates', {})
    for heading, header, rows in tables(prose):
        h = heading.lower()
        if re.search(r'propert', h):
            kind = 'property'
        elif re.search(r'signal|action', h):
            kind = 'signal'
        elif re.search(r'\bpads?\b|pad template', h):
            kind = 'pad'
        else:
            continue
        hdr = [c.lower() for c in header]
        for line, cells in rows:
            if not cells:
                continue
            where = '%s:%d' % (page, line)
            names = BACKTICKED.findall(cells[0]) or [cells[0].strip()]
            for name in names:
                name = name.strip()
                if kind == 'property':
                    if not re.fullmatch(r'[a-z][a-z0-9-]*', name):
                        continue
                    if name not in all_props:
                        rep.add(where, 'property %r is documented (section "%s") '
                                'but the element has no such property (stale)' %
                                (name, heading))
                        continue
                    if name in props:
                        check_handwritten_property(rep, where, name, props[name],
                                                   hdr, cells, type_kind(e, props[name]))
                elif kind == 'signal':
                    if not re.fullmatch(r'[a-z][a-z0-9-]*', name):
                        continue
                    if name not in all_signals:
                        rep.add(where, 'signal %r is documented (section "%s") '
                                'but the element has no such signal (stale)' %
                                (name, heading))
                        continue
                    s = e.get('signals', {}).get(name)
                    if s is not None and 'action' in cells[0].lower() \
                            and not s.get('action'):
                        rep.add(where, 'signal %r is documented as an action '
                                'signal but is not one' % name)
                else:
                    if not re.fullmatch(r'[A-Za-z0-9_%]+', name):
                        continue
                    t = pad_name_matches(name, pads)
                    if t is None:
                        rep.add(where, 'pad %r is documented (section "%s") but '
                                'matches no pad template of the element '
                                '(stale; templates: %s)' %
                                (name, heading, ', '.join(sorted(pads)) or 'none'))
                        continue
                    check_handwritten_pad(rep, where, name, pads[t], hdr, cells)


def _col(hdr, *words):
    for i, h in enumerate(hdr):
        if any(w in h for w in words):
            return i
    return None


def check_handwritten_property(rep, where, name, p, hdr, cells, kind=None):
    tcol = _col(hdr, 'type')
    dcol = _col(hdr, 'default')
    tdoc = ddoc = None
    if tcol is not None and tcol == dcol and tcol < len(cells):
        # one "type, default" column: the default follows the last comma
        cell = cells[tcol]
        if ', ' in cell:
            tdoc, ddoc = cell.rsplit(', ', 1)
        else:
            tdoc = cell
    else:
        if tcol is not None and tcol < len(cells):
            tdoc = cells[tcol]
        if dcol is not None and dcol < len(cells):
            ddoc = cells[dcol]
    what = 'property %r' % name
    if tdoc is not None and tdoc.strip() and \
            not type_matches(tdoc, p['type'], kind):
        rep.add(where, '%s: documented type %r, registry type %s' %
                (what, tdoc.strip(), p['type']))
    if ddoc is not None and unquote(ddoc).lower() not in ACCESS_WORDS:
        why = default_matches(ddoc, p, None)
        if why:
            rep.add(where, '%s: %s' % (what, why))
    why = access_mismatch(' '.join(cells[1:]), p)
    if why:
        rep.add(where, '%s: %s' % (what, why))


def check_handwritten_pad(rep, where, name, t, hdr, cells):
    dcol = _col(hdr, 'direction')
    if dcol is not None and dcol < len(cells):
        words = set(re.findall(r'[a-z]+', cells[dcol].lower()))
        doc_dir = 'src' if words & {'src', 'source', 'out', 'output'} else \
            'sink' if words & {'sink', 'in', 'input'} else None
        if doc_dir and doc_dir != t['direction']:
            rep.add(where, 'pad %r: documented direction %r, registry %r' %
                    (name, cells[dcol], t['direction']))
    pcol = _col(hdr, 'presence', 'availability')
    if pcol is not None and pcol < len(cells):
        m = re.match(r'`?(always|sometimes|request)', cells[pcol].strip().lower())
        if m and m.group(1) != t['presence']:
            rep.add(where, 'pad %r: documented presence %r, registry %r' %
                    (name, cells[pcol], t['presence']))
    ccol = _col(hdr, 'caps')
    if ccol is not None and ccol < len(cells):
        for media in BACKTICKED.findall(cells[ccol]):
            mt = media.split(',', 1)[0].strip()
            if '/' in mt and mt not in t['_caps_short'] and t['_caps_short'] != 'ANY':
                rep.add(where, 'pad %r: documented caps %r, registry caps %r' %
                        (name, mt, t['_caps_short']))


def json_diff(a, b, path, out):
    """Differences between committed @a and fresh @b, as 'path: ...' lines."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            p = '%s.%s' % (path, k) if path else k
            if k not in a:
                out.append('%s: missing from the committed cache (registry: %s)'
                           % (p, json.dumps(b[k])[:200]))
            elif k not in b:
                out.append('%s: in the committed cache but not in the registry '
                           '(stale)' % p)
            else:
                json_diff(a[k], b[k], p, out)
    elif a != b:
        out.append('%s: committed %s, registry %s' %
                   (path, json.dumps(a)[:200], json.dumps(b)[:200]))


def shown_path(path, source_dir):
    rel = os.path.relpath(path, source_dir)
    return path if rel.startswith('..') else rel


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--source-dir', default=os.path.dirname(os.path.dirname(HERE)))
    ap.add_argument('--build-dir', required=True)
    ap.add_argument('--plugin', action='append', dest='plugins', default=[],
                    help='plugin built in --build-dir (repeatable); it must be '
                    'in the registry')
    ap.add_argument('--registry', default=None)
    ap.add_argument('--docs-dir', default=None,
                    help='default: <source-dir>/docs')
    args = ap.parse_args(argv)

    gen = load_generator(args.source_dir)
    docs_dir = args.docs_dir or os.path.join(args.source_dir, 'docs')
    build_dir = os.path.abspath(args.build_dir)
    gen.setup_environment(build_dir, args.registry)
    try:
        gen.import_gst()
    except (ImportError, ValueError) as ex:
        print('SKIP: gi with Gst 1.0 is not available (%s): install python3-gi '
              'and gir1.2-gstreamer-1.0, run with /usr/bin/python3' % ex)
        return 77

    plugins = args.plugins or gen.built_plugins_from_options(build_dir)
    if not plugins:
        print('SKIP: none of our plugins is built in %s' % build_dir)
        return 77
    regen = 'run `%s` (or `%s`) and commit the result' % (
        gen.REGEN_COMMAND.replace('<builddir>', build_dir),
        gen.REGEN_COMMAND_LONG.replace('<builddir>', build_dir))

    rep = Report()
    found, missing = gen.collect(plugins)
    for m in missing:
        rep.add('registry', 'plugin %s is built but not in the registry of %s '
                '(it failed to load: GST_DEBUG=2 gst-inspect-1.0 %s)' %
                (m, build_dir, m))

    n_elements = 0
    for pname, p in sorted(found.items()):
        if not p['elements']:
            rep.add('registry', 'plugin %s has no documented element' % pname)
        for ename, e in sorted(p['elements'].items()):
            n_elements += 1
            check_metadata(rep, ename, e)
            path = os.path.join(docs_dir, ename + '.md')
            page = shown_path(path, args.source_dir)
            if not os.path.exists(path):
                rep.add(page, 'missing: element %s (plugin %s) has no docs page. '
                        'Write its prose (what it is for, an example launch line, '
                        'its bus messages), then %s; or `/usr/bin/python3 '
                        'scripts/gen-element-docs.py --build-dir %s '
                        '--create-missing` to start from a stub' %
                        (ename, pname, regen, build_dir))
                continue
            with open(path, encoding='utf-8') as f:
                text = f.read()
            try:
                pos = gen.find_section(text)
            except ValueError as ex:
                rep.add(page, '%s; fix the markers by hand, then %s' % (ex, regen))
                continue
            if pos is None:
                rep.add(page, 'no generated reference section (markers %s ... %s): '
                        '%s (the section is appended at the end of the page; '
                        'move the whole section anywhere in the page: later runs '
                        'update it where it is)' % (gen.BEGIN_MARKER, gen.END_MARKER, regen))
                prose = text
                section = ''
            else:
                section = text[pos[0]:pos[1]]
                first = text.count('\n', 0, pos[0])
                # keep line numbers right for messages about the prose
                prose = text[:pos[0]] + '\n' * section.count('\n') + text[pos[1]:]
                expected = gen.render_section(pname, p, ename, e)
                before = len(rep.problems)
                check_generated(rep, page, ename, e, section, gen)
                if section != expected:
                    diff = ''.join(difflib.unified_diff(
                        section.splitlines(True), expected.splitlines(True),
                        '%s (committed, from line %d)' % (page, first + 1),
                        '%s (registry now)' % page))
                    rep.add(page, 'the generated reference section is out of '
                            'date%s: %s\n%s' %
                            ('' if len(rep.problems) > before else
                             ' (order or formatting only)', regen, diff.rstrip('\n')))
            all_props = set(e.get('properties', {}))
            for names in e['_doc']['inherited'].values():
                all_props.update(names)
            all_signals = set(e.get('signals', {})) | \
                set(e['_doc'].get('inherited-signals', []))
            check_handwritten(rep, page, e, prose, all_props, all_signals)

    cache_path = os.path.join(docs_dir, 'plugins', 'gst_plugins_cache.json')
    cache_page = shown_path(cache_path, args.source_dir)
    if not os.path.exists(cache_path):
        rep.add(cache_page, 'missing: %s' % regen)
    else:
        with open(cache_path, encoding='utf-8') as f:
            try:
                committed = json.load(f)
            except ValueError as ex:
                committed = None
                rep.add(cache_page, 'not valid JSON (%s): %s' % (ex, regen))
        if committed is not None:
            fresh = gen.cache_dict(found, committed)
            diffs = []
            for pname in sorted(found):
                json_diff(committed.get(pname), fresh[pname], pname, diffs)
            if diffs:
                rep.add(cache_page, 'out of date: %s\n  %s' %
                        (regen, '\n  '.join(diffs)))
            elif gen.cache_text(fresh) != gen.cache_text(committed) or \
                    open(cache_path, encoding='utf-8').read() != gen.cache_text(committed):
                rep.add(cache_page, 'not in canonical form (indent 4, sorted '
                        'keys): %s' % regen)

    print('checked %d element(s) of plugin(s) %s against %s' %
          (n_elements, ', '.join(sorted(found)) or '-', docs_dir))
    if rep.problems:
        print('\n%d problem(s):' % len(rep.problems))
        for pr in rep.problems:
            print('- ' + pr)
        return 1
    print('element reference and cache match the registry')
    return 0


if __name__ == '__main__':
    sys.exit(main())
