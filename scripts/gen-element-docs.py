#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# gen-element-docs.py: write the element reference of gst-pgsm from the
# plugin registry (the code itself), so the docs cannot drift from it.
#
#  * docs/<element>.md: the part between
#        <!-- BEGIN GENERATED REFERENCE -->
#        <!-- END GENERATED REFERENCE -->
#    (metadata, pad templates, properties, signals, enum/flags values) is
#    rewritten; everything outside the markers (the hand-written prose) is
#    left alone. A page without markers gets the section appended.
#  * docs/plugins/gst_plugins_cache.json: the same data in the shape of
#    GStreamer's documentation cache (plugins -> elements -> properties /
#    pad-templates / signals, plus other-types). Entries of plugins that are
#    not built in this build directory are kept as they are.
#
# Usage (from anywhere; needs Debian's /usr/bin/python3 with python3-gi and
# gir1.2-gstreamer-1.0):
#     ninja -C build update-element-docs
#  or
#     /usr/bin/python3 scripts/gen-element-docs.py --build-dir build
#
# tests/docs/check-element-docs.py imports this file and compares the
# committed pages and cache with what it would write now. See
# docs/element-reference.md for the conventions.

import argparse
import json
import os
import subprocess
import sys

BEGIN_MARKER = '<!-- BEGIN GENERATED REFERENCE -->'
END_MARKER = '<!-- END GENERATED REFERENCE -->'
REGEN_COMMAND = 'ninja -C <builddir> update-element-docs'
REGEN_COMMAND_LONG = ('/usr/bin/python3 scripts/gen-element-docs.py '
                      '--build-dir <builddir>')

# Our plugins, by plugin name (GST_PLUGIN_DEFINE name), and the folder and
# meson feature that build each one.
PGSM_PLUGINS = ['pgsmsrtp', 'pgsmtls', 'pgsmsip']

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# GParamFlags / GstParamFlags bits (glib/gparam.h, gst/gstparamspecs.h)
G_PARAM_READABLE = 1 << 0
G_PARAM_WRITABLE = 1 << 1
G_PARAM_CONSTRUCT = 1 << 2
G_PARAM_CONSTRUCT_ONLY = 1 << 3
G_PARAM_DEPRECATED = 1 << 31
GST_PARAM_CONTROLLABLE = 1 << 9
GST_PARAM_MUTABLE_READY = 1 << 10
GST_PARAM_MUTABLE_PAUSED = 1 << 11
GST_PARAM_MUTABLE_PLAYING = 1 << 12
GST_PARAM_DOC_SHOW_DEFAULT = 1 << 13
GST_PARAM_CONDITIONALLY_AVAILABLE = 1 << 14

Gst = None
GObject = None


def gst_pluginsdir():
    try:
        out = subprocess.run(['pkg-config', '--variable=pluginsdir',
                              'gstreamer-1.0'], capture_output=True,
                             text=True, check=True).stdout.strip()
        if out:
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    return '/usr/lib/x86_64-linux-gnu/gstreamer-1.0'


def setup_environment(build_dir, registry=None):
    """Point GStreamer at our build tree only (plus GStreamer's own plugins,
    which pgsmsipbin instantiates), with a private registry, exactly as the
    gst-check suites do. Must run before Gst is imported."""
    build_dir = os.path.abspath(build_dir)
    os.environ['GST_PLUGIN_SYSTEM_PATH_1_0'] = ''
    os.environ['GST_PLUGIN_PATH_1_0'] = build_dir + ':' + gst_pluginsdir()
    os.environ['GST_REGISTRY'] = registry or os.path.join(
        build_dir, 'docs-reference.registry')
    # Blurbs and metadata in the C locale, whatever the developer's is.
    os.environ['LANGUAGE'] = 'C'
    os.environ['LC_ALL'] = 'C.UTF-8'


def import_gst():
    """Import gi's Gst; raises ImportError (or ValueError) when missing."""
    global Gst, GObject
    if Gst is not None:
        return
    import gi
    gi.require_version('Gst', '1.0')
    from gi.repository import Gst as _Gst, GObject as _GObject
    _Gst.init(None)
    Gst, GObject = _Gst, _GObject


# ---------------------------------------------------------------------------
# Registry -> cache-shaped data
# ---------------------------------------------------------------------------

def _type_name(gtype):
    return gtype.name if gtype is not None else 'void'


def _class_for_gtype(gtype):
    """The Python class gi builds for an enum/flags GType (also for types
    that have no typelib, such as those a plugin registers)."""
    from gi import _gi
    if _is_a(gtype, GObject.TYPE_FLAGS):
        return _gi.flags_add(gtype)
    return _gi.enum_add(gtype)


def _enum_values(gtype):
    cls = _class_for_gtype(gtype)
    vals = getattr(cls, '__enum_values__', {})
    return [(int(k), v.value_nick, v.value_name) for k, v in sorted(vals.items())]


def _flags_values(gtype):
    cls = _class_for_gtype(gtype)
    vals = getattr(cls, '__flags_values__', {})
    out = []
    for k, v in sorted(vals.items()):
        # gi may also hold combinations created on the fly: keep the
        # registered single values only
        if len(v.value_names) == 1:
            out.append((int(k), v.value_nicks[0], v.value_names[0]))
    return out


def _is_a(gtype, parent):
    return GObject.type_is_a(gtype, parent)


def _enum_default_string(gtype, value):
    value = int(value)
    nick = ''
    for v, n, _ in _enum_values(gtype):
        if v == value:
            nick = n
            break
    return '%s (%d)' % (nick, value)


def _flags_default_string(gtype, value):
    value = int(value)
    values = _flags_values(gtype)
    for v, n, _ in values:
        if v == value:
            return n
    left = value
    parts = []
    for v, n, _ in reversed(values):
        if v != 0 and (left & v) == v:
            parts.append(n)
            left &= ~v
            if left == 0:
                break
    return '+'.join(parts) if parts else '(none)'


def _serialize_field(name, value):
    s = Gst.value_serialize(value)
    if s is None:
        s = str(value)
    if name in ('format', 'rate'):
        s = s.replace('(string)', '').replace('(rate)', '')
    return s


def caps_to_cache_string(caps):
    """Caps as the GStreamer cache writes them: one 'name:' line per
    structure, then one '%15s: value' line per field."""
    if caps.is_any():
        return 'ANY'
    if caps.is_empty():
        return 'EMPTY'
    sysmem = Gst.CapsFeatures.from_string('memory:SystemMemory')
    out = []
    for i in range(caps.get_size()):
        st = caps.get_structure(i)
        feat = caps.get_features(i)
        if feat is not None and (feat.is_any() or not feat.is_equal(sysmem)):
            out.append('%s%s(%s):\n' % ('\n' if i else '', st.get_name(),
                                         feat.to_string()))
        else:
            out.append('%s:\n' % st.get_name())
        for j in range(st.n_fields()):
            fname = st.nth_field_name(j)
            out.append('%15s: %s\n' % (fname,
                                       _serialize_field(fname, st.get_value(fname))))
    return ''.join(out)


def _mutable(flags):
    if flags & GST_PARAM_MUTABLE_PLAYING:
        return 'playing'
    if flags & GST_PARAM_MUTABLE_PAUSED:
        return 'paused'
    if flags & GST_PARAM_MUTABLE_READY:
        return 'ready'
    return 'null'


class OtherTypes:
    """Enum/flags types seen while walking an element: all of them go in
    the Markdown; those marked as plugin API go in the cache, as GStreamer's
    scanner does."""

    def __init__(self):
        self.seen = {}

    def note(self, gtype):
        if gtype is None or gtype.name in self.seen:
            return
        if _is_a(gtype, GObject.TYPE_ENUM):
            kind = 'enum'
            values = _enum_values(gtype)
        elif _is_a(gtype, GObject.TYPE_FLAGS):
            kind = 'flags'
            values = _flags_values(gtype)
        else:
            return
        api, _ = Gst.type_is_plugin_api(gtype)
        self.seen[gtype.name] = {'kind': kind, 'values': values,
                                 'plugin-api': bool(api)}

    def cache_entries(self):
        out = {}
        for name, t in self.seen.items():
            if not t['plugin-api']:
                continue
            if t['kind'] == 'enum':
                vals = [{'name': n, 'value': '%d' % v, 'desc': d}
                        for v, n, d in t['values']]
            else:
                vals = [{'name': n, 'value': '0x%08x' % v, 'desc': d}
                        for v, n, d in t['values']]
            out[name] = {'kind': t['kind'], 'values': vals}
        return out


def _property_entry(element, pspec, others):
    flags = int(pspec.flags)
    vtype = pspec.value_type
    entry = {
        'blurb': pspec.blurb or '',
        'conditionally-available': bool(flags & GST_PARAM_CONDITIONALLY_AVAILABLE),
        'construct': bool(flags & G_PARAM_CONSTRUCT),
        'construct-only': bool(flags & G_PARAM_CONSTRUCT_ONLY),
        'controllable': bool(flags & GST_PARAM_CONTROLLABLE),
        'mutable': _mutable(flags),
        'readable': bool(flags & G_PARAM_READABLE),
        'type': vtype.name,
        'writable': bool(flags & G_PARAM_WRITABLE),
    }
    if flags & G_PARAM_DEPRECATED:
        # not in GStreamer's cache; kept for our Markdown
        entry['deprecated'] = True
    others.note(vtype)

    # The default as a fresh instance reports it (as GStreamer's scanner
    # does), else the param spec's.
    if (flags & G_PARAM_READABLE) and not (flags & GST_PARAM_DOC_SHOW_DEFAULT):
        value = element.get_property(pspec.name)
    else:
        value = getattr(pspec, 'default_value', None)

    fund = vtype.fundamental
    if fund == GObject.TYPE_STRING:
        entry['default'] = 'NULL' if value is None else value
    elif fund == GObject.TYPE_BOOLEAN:
        entry['default'] = 'true' if value else 'false'
    elif fund in (GObject.TYPE_UINT, GObject.TYPE_INT, GObject.TYPE_UINT64,
                  GObject.TYPE_INT64, GObject.TYPE_ULONG, GObject.TYPE_LONG):
        entry['default'] = '%d' % value
        entry['min'] = '%d' % pspec.minimum
        entry['max'] = '%d' % pspec.maximum
    elif fund in (GObject.TYPE_DOUBLE, GObject.TYPE_FLOAT):
        entry['default'] = '%g' % value
        entry['min'] = '%g' % pspec.minimum
        entry['max'] = '%g' % pspec.maximum
    elif fund == GObject.TYPE_ENUM:
        entry['default'] = _enum_default_string(vtype, value)
    elif fund == GObject.TYPE_FLAGS:
        entry['default'] = _flags_default_string(vtype, value)
    elif vtype == Gst.Caps.__gtype__:
        if value is not None:
            entry['default'] = value.to_string()
    elif vtype == Gst.Structure.__gtype__:
        if value is not None:
            entry['default'] = value.to_string()
    elif vtype == Gst.Fraction.__gtype__ and value is not None:
        entry['default'] = '%d/%d' % (value.num, value.denom)
    return entry


def _signal_entry(sid, others):
    q = GObject.signal_query(sid)
    sflags = int(q.signal_flags)
    entry = {
        'args': [{'name': 'arg%d' % i, 'type': _type_name(t)}
                 for i, t in enumerate(q.param_types)],
        'return-type': _type_name(q.return_type),
    }
    for t in list(q.param_types) + [q.return_type]:
        others.note(t)
    F = GObject.SignalFlags
    if sflags & F.RUN_FIRST:
        entry['when'] = 'first'
    elif sflags & F.RUN_LAST:
        entry['when'] = 'last'
    elif sflags & F.RUN_CLEANUP:
        entry['when'] = 'cleanup'
    for flag, key in ((F.NO_RECURSE, 'no-recurse'), (F.DETAILED, 'detailed'),
                      (F.ACTION, 'action'), (F.NO_HOOKS, 'no-hooks')):
        if sflags & flag:
            entry[key] = True
    return q.signal_name, entry


def _rank_name(rank):
    ranks = [(0, 'none'), (64, 'marginal'), (128, 'secondary'),
             (256, 'primary')]
    for r, n in ranks:
        if rank == r:
            return n
    best = min(ranks, key=lambda x: abs(rank - x[0]))
    return '%s %s %d' % (best[1], '+' if rank > best[0] else '-',
                         abs(rank - best[0]))


def element_data(factory):
    """One element's entry in the cache shape (plus 'long-name' and, under
    '_doc', what only the Markdown needs)."""
    element = factory.create(None)
    if element is None:
        raise RuntimeError('could not create element %s' % factory.get_name())
    gtype = type(element).__gtype__
    others = OtherTypes()
    e = {'rank': _rank_name(factory.get_rank())}
    for key in factory.get_metadata_keys():
        e[key] = factory.get_metadata(key) or ''

    hierarchy = []
    t = gtype
    while t is not None and t.name != 'void':
        hierarchy.append(t.name)
        if t == GObject.TYPE_OBJECT:
            break
        t = GObject.type_parent(t)
    e['hierarchy'] = hierarchy
    ifaces = [i.name for i in GObject.type_interfaces(gtype)]
    if ifaces:
        e['interfaces'] = ifaces

    # GLib lists properties and signals in hash-table order, which changes
    # with whatever else got registered: sort them (as GStreamer's docs do)
    props = {}
    inherited = {}
    for pspec in sorted(element.list_properties(), key=lambda p: p.name):
        if pspec.owner_type == gtype:
            props[pspec.name] = _property_entry(element, pspec, others)
        else:
            inherited.setdefault(pspec.owner_type.name, []).append(pspec.name)
    order = sorted(props)
    if props:
        e['properties'] = props

    signals = {}
    for sid in GObject.signal_list_ids(gtype):
        name, entry = _signal_entry(sid, others)
        signals[name] = entry
    sorder = sorted(signals)
    if signals:
        e['signals'] = signals

    pads = {}
    porder = []
    # the factory's template list comes in one order from a freshly loaded
    # plugin and in the reverse from a registry file: sort by name
    for st in sorted(factory.get_static_pad_templates(),
                     key=lambda t: t.name_template):
        tmpl = element.get_pad_template(st.name_template)
        doc_caps = tmpl.get_documentation_caps()
        d = {
            'caps': caps_to_cache_string(doc_caps),
            'direction': {Gst.PadDirection.SRC: 'src',
                          Gst.PadDirection.SINK: 'sink'}.get(st.direction,
                                                             'unknown'),
            'presence': {Gst.PadPresence.ALWAYS: 'always',
                         Gst.PadPresence.SOMETIMES: 'sometimes',
                         Gst.PadPresence.REQUEST: 'request'}.get(st.presence,
                                                                 'unknown'),
        }
        pad_type = tmpl.get_property('gtype')
        if pad_type is not None and pad_type.name not in ('void', 'GstPad'):
            d['type'] = pad_type.name
        pads[st.name_template] = d
        porder.append(st.name_template)
        pads[st.name_template]['_caps_short'] = doc_caps.to_string()
    if pads:
        e['pad-templates'] = pads

    inherited_signals = set()
    for t in [GObject.type_from_name(n) for n in hierarchy[1:]] + \
            list(GObject.type_interfaces(gtype)):
        for sid in GObject.signal_list_ids(t):
            inherited_signals.add(GObject.signal_name(sid))

    e['_doc'] = {
        'inherited-signals': sorted(inherited_signals),
        'property-order': order,
        'signal-order': sorder,
        'pad-order': porder,
        'inherited': inherited,
        'type-name': gtype.name,
        'other-types': others.seen,
        'cache-other-types': others.cache_entries(),
    }
    element.set_state(Gst.State.NULL)
    return e


def collect(plugin_names):
    """{plugin name: plugin entry} for the plugins found in the registry;
    second value: names asked for but not found."""
    import_gst()
    reg = Gst.Registry.get()
    found = {}
    missing = []
    for pname in plugin_names:
        plugin = reg.find_plugin(pname)
        if plugin is None:
            missing.append(pname)
            continue
        base = os.path.basename(plugin.get_filename() or pname)
        fname = base.split('.', 1)[0]
        if fname.startswith('lib'):
            fname = fname[3:]
        p = {
            'description': plugin.get_description() or '',
            'filename': fname,
            'source': plugin.get_source() or '',
            'package': plugin.get_package() or '',
            'license': plugin.get_license() or '',
            'url': plugin.get_origin() or '',
            'elements': {},
            'tracers': {},
            'other-types': {},
        }
        features = reg.get_feature_list_by_plugin(pname)
        for f in sorted(features, key=lambda f: f.get_name()):
            f = f.load() or f
            if isinstance(f, Gst.ElementFactory):
                if f.get_skip_documentation():
                    continue
                e = element_data(f)
                p['other-types'].update(e['_doc']['cache-other-types'])
                p['elements'][f.get_name()] = e
            elif isinstance(f, Gst.TracerFactory):
                p['tracers'][f.get_name()] = {}
        found[pname] = p
    return found, missing


def _strip_private(obj):
    if isinstance(obj, dict):
        return {k: _strip_private(v) for k, v in obj.items()
                if not k.startswith('_')}
    if isinstance(obj, list):
        return [_strip_private(v) for v in obj]
    return obj


def cache_dict(plugins, existing=None):
    """The cache content: existing entries of plugins not in @plugins are
    kept (not built here), the others replaced."""
    out = dict(existing or {})
    for pname, p in plugins.items():
        out[pname] = _strip_private(p)
    return out


def cache_text(data):
    return json.dumps(data, indent=4, sort_keys=True, ensure_ascii=False) + '\n'


# ---------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------

def md_cell(text):
    """A table cell: one line, '|' escaped."""
    text = ' '.join(str(text).split())
    return text.replace('|', '\\|')


def md_code(text):
    text = ' '.join(str(text).split())
    if '`' in text:
        return '``' + text.replace('|', '\\|') + '``'
    return '`' + text.replace('|', '\\|') + '`'


def c_type(name):
    """How a GType looks in a C signature."""
    if name == 'gchararray':
        return 'gchar*'
    if name in ('void', 'gboolean', 'gint', 'guint', 'gint64', 'guint64',
                'gdouble', 'gfloat', 'glong', 'gulong', 'gchar', 'guchar',
                'gpointer'):
        return name
    gtype = GObject.type_from_name(name) if GObject else None
    if gtype is not None and (_is_a(gtype, GObject.TYPE_ENUM) or
                              _is_a(gtype, GObject.TYPE_FLAGS)):
        return name
    return name + '*'


def property_type_text(p):
    t = p['type']
    if 'min' in p and 'max' in p:
        return '%s, %s – %s' % (t, p['min'], p['max'])
    return t


def property_default_text(p):
    if 'default' not in p:
        return '—'
    d = p['default']
    if p['type'] == 'gchararray':
        return 'NULL' if d == 'NULL' else md_code('"%s"' % d)
    return md_code(d)


def property_flags_text(p):
    rw = ('r' if p['readable'] else '') + ('w' if p['writable'] else '')
    parts = [rw or '-']
    if p['construct-only']:
        parts.append('construct-only')
    elif p['construct']:
        parts.append('construct')
    if p['writable'] and not p['construct-only'] and p['mutable'] != 'null':
        parts.append('mutable-' + p['mutable'])
    if p['controllable']:
        parts.append('controllable')
    if p['conditionally-available']:
        parts.append('conditionally-available')
    if p.get('deprecated'):
        parts.append('deprecated')
    return ', '.join(parts)


def signal_signature_text(type_name, s):
    args = [c_type(type_name)] + [c_type(a['type']) for a in s['args']]
    return '%s (%s)' % (c_type(s['return-type']), ', '.join(args))


def signal_flags_text(s):
    parts = ['run-' + s['when']] if 'when' in s else []
    for k in ('no-recurse', 'detailed', 'no-hooks'):
        if s.get(k):
            parts.append(k)
    return ', '.join(parts)


def render_section(plugin_name, plugin, element_name, e):
    """The generated reference of one element, markers included."""
    doc = e['_doc']
    L = []
    L.append(BEGIN_MARKER)
    L.append('<!-- Generated from the plugin registry by '
             'scripts/gen-element-docs.py: do not edit between the markers. '
             'Change the code, then run: %s -->' % REGEN_COMMAND)
    L.append('')
    L.append('## Reference')
    L.append('')
    L.append('| | |')
    L.append('|---|---|')
    L.append('| Factory | %s |' % md_code(element_name))
    L.append('| Plugin | %s (%s) |' % (md_code(plugin_name),
                                       md_code('lib%s.so' % plugin['filename'])))
    for key, label in (('long-name', 'Long name'), ('klass', 'Class'),
                       ('description', 'Description'), ('author', 'Author')):
        L.append('| %s | %s |' % (label, md_cell(e.get(key, ''))))
    L.append('| Rank | %s |' % e['rank'])
    L.append('| Type | %s |' % ' → '.join(e['hierarchy']))
    if e.get('interfaces'):
        L.append('| Interfaces | %s |' % ', '.join(e['interfaces']))
    L.append('')

    L.append('### Pad templates')
    L.append('')
    pads = e.get('pad-templates', {})
    if pads:
        L.append('| Name | Direction | Presence | Caps |')
        L.append('|---|---|---|---|')
        for name in doc['pad-order']:
            p = pads[name]
            L.append('| %s | %s | %s | %s |' % (md_code(name), p['direction'],
                                                p['presence'],
                                                md_code(p['_caps_short'])))
    else:
        L.append('None.')
    L.append('')

    L.append('### Properties')
    L.append('')
    props = e.get('properties', {})
    if props:
        L.append('| Name | Type | Default | Flags | Description |')
        L.append('|---|---|---|---|---|')
        for name in doc['property-order']:
            p = props[name]
            L.append('| %s | %s | %s | %s | %s |' % (
                md_code(name), md_cell(property_type_text(p)),
                property_default_text(p), property_flags_text(p),
                md_cell(p['blurb'])))
    else:
        L.append('None of its own.')
    L.append('')
    if doc['inherited']:
        parts = []
        for owner in e['hierarchy']:
            names = doc['inherited'].get(owner)
            if not names:
                continue
            parts.append('%s (%s)' % (owner, ', '.join(md_code(n) for n in names)))
        L.append('Inherited: %s.' % '; '.join(parts))
        L.append('')

    L.append('### Signals')
    L.append('')
    sigs = e.get('signals', {})
    if sigs:
        L.append('| Name | Kind | Signature | Flags |')
        L.append('|---|---|---|---|')
        for name in doc['signal-order']:
            s = sigs[name]
            L.append('| %s | %s | %s | %s |' % (
                md_code(name), 'action' if s.get('action') else 'signal',
                md_code(signal_signature_text(doc['type-name'], s)),
                signal_flags_text(s)))
    else:
        L.append('None of its own.')
    L.append('')

    types = doc['other-types']
    if types:
        L.append('### Enum and flags types')
        L.append('')
        for tname in sorted(types):
            t = types[tname]
            L.append('%s (%s):' % (md_code(tname), t['kind']))
            L.append('')
            L.append('| Value | Nick | Name |')
            L.append('|---|---|---|')
            for v, nick, vname in t['values']:
                val = ('0x%08x' % v) if t['kind'] == 'flags' else '%d' % v
                L.append('| %s | %s | %s |' % (val, md_code(nick), md_code(vname)))
            L.append('')
    L.append(END_MARKER)
    return '\n'.join(L) + '\n'


def find_section(text):
    """(start, end) offsets of the generated section (markers included, end
    after the END marker's line), or None; raises ValueError when the
    markers are unbalanced."""
    b = text.find(BEGIN_MARKER)
    e = text.find(END_MARKER)
    if b < 0 and e < 0:
        return None
    if b < 0 or e < 0 or e < b:
        raise ValueError('unbalanced markers: need exactly one %s followed '
                         'by one %s' % (BEGIN_MARKER, END_MARKER))
    if text.find(BEGIN_MARKER, b + 1) >= 0 or text.find(END_MARKER, e + 1) >= 0:
        raise ValueError('the generated-reference markers appear more than once')
    end = e + len(END_MARKER)
    if text[end:end + 1] == '\n':
        end += 1
    return b, end


def splice(text, section):
    """The page with its generated section replaced (or appended)."""
    pos = find_section(text)
    if pos is None:
        if text and not text.endswith('\n'):
            text += '\n'
        if text and not text.endswith('\n\n'):
            text += '\n'
        return text + section
    return text[:pos[0]] + section + text[pos[1]:]


def stub_page(element_name, e):
    return ('# %s\n\n%s\n\n' % (element_name, e.get('description', '')))


def built_plugins_from_options(build_dir):
    """Our plugin names whose library exists in @build_dir."""
    libs = {'pgsmsrtp': 'ext/srtp/libgstpgsmsrtp.so',
            'pgsmtls': 'ext/gnutls/libgstpgsmtls.so',
            'pgsmsip': 'sip/libgstpgsmsip.so'}
    return [p for p in PGSM_PLUGINS
            if os.path.exists(os.path.join(build_dir, libs[p]))]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__ or 'gen-element-docs',
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--build-dir', required=True,
                    help='meson build directory holding the plugins')
    ap.add_argument('--docs-dir', default=os.path.join(SOURCE_ROOT, 'docs'),
                    help='where docs/<element>.md live (default: %(default)s)')
    ap.add_argument('--cache', default=None,
                    help='cache file (default: <docs-dir>/plugins/gst_plugins_cache.json)')
    ap.add_argument('--plugin', action='append', dest='plugins',
                    help='plugin name (repeatable; default: every one of '
                    + ', '.join(PGSM_PLUGINS) + ' built in --build-dir)')
    ap.add_argument('--no-pages', action='store_true',
                    help='only write the cache')
    ap.add_argument('--no-cache', action='store_true',
                    help='only write the pages')
    ap.add_argument('--create-missing', action='store_true',
                    help='create docs/<element>.md (title + description) '
                    'for an element that has no page yet')
    ap.add_argument('--registry', default=None,
                    help='registry file (default: <build-dir>/docs-reference.registry)')
    args = ap.parse_args(argv)

    build_dir = os.path.abspath(args.build_dir)
    setup_environment(build_dir, args.registry)
    try:
        import_gst()
    except (ImportError, ValueError) as ex:
        print('gen-element-docs: cannot import gi Gst (%s): install python3-gi '
              'and gir1.2-gstreamer-1.0 and run with /usr/bin/python3' % ex,
              file=sys.stderr)
        return 1

    wanted = args.plugins or built_plugins_from_options(build_dir)
    plugins, missing = collect(wanted)
    rc = 0
    for m in missing:
        print('gen-element-docs: plugin %s not found in %s (not built, or it '
              'failed to load: try GST_DEBUG=2 gst-inspect-1.0)' % (m, build_dir),
              file=sys.stderr)
        rc = 1

    if not args.no_pages:
        for pname, p in plugins.items():
            for ename, e in p['elements'].items():
                path = os.path.join(args.docs_dir, ename + '.md')
                section = render_section(pname, p, ename, e)
                if os.path.exists(path):
                    with open(path, encoding='utf-8') as f:
                        old = f.read()
                elif args.create_missing:
                    old = stub_page(ename, e)
                else:
                    print('gen-element-docs: %s does not exist: write its prose '
                          'first, or rerun with --create-missing' % path,
                          file=sys.stderr)
                    rc = 1
                    continue
                try:
                    new = splice(old, section)
                except ValueError as ex:
                    print('gen-element-docs: %s: %s' % (path, ex), file=sys.stderr)
                    rc = 1
                    continue
                if new != old:
                    with open(path, 'w', encoding='utf-8') as f:
                        f.write(new)
                    print('updated %s' % path)
                else:
                    print('unchanged %s' % path)

    if not args.no_cache:
        cache = args.cache or os.path.join(args.docs_dir, 'plugins',
                                           'gst_plugins_cache.json')
        existing = {}
        if os.path.exists(cache):
            with open(cache, encoding='utf-8') as f:
                existing = json.load(f)
        text = cache_text(cache_dict(plugins, existing))
        old = None
        if os.path.exists(cache):
            with open(cache, encoding='utf-8') as f:
                old = f.read()
        if text != old:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            with open(cache, 'w', encoding='utf-8') as f:
                f.write(text)
            print('updated %s' % cache)
        else:
            print('unchanged %s' % cache)
    return rc


if __name__ == '__main__':
    sys.exit(main())
