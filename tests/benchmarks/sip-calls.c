/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* sip-calls: what a pgsmsipbin call costs, pgsmsipbin against pgsmsipbin on
 * loopback (SIP over TLS, SDES-SRTP, G.711 PCMU at 50 packets/s each way),
 * in one process, with a test PKI made at start.
 *
 * 1. Call set-up: one listening bin (auto-answer) and one calling bin; 1 +
 *    SIP_CALLS_SETUP (default 50) calls one after another through the
 *    `call` action. t0 = just before `call` is emitted; `secured` = the
 *    caller's `pgsm-call` state=secured (bus sync handler); `audio` = the
 *    first buffer out of the caller's `src` pad (the callee's decrypted
 *    audio). The first call (plugin loading, first TLS contexts) is
 *    printed apart; median, p95, min and max over the others.
 *
 * 2. Concurrency: callee bins and caller bins with max-calls=16, each
 *    caller bin calling one callee bin through `call`, each bin fed by one
 *    live audiotestsrc (S16LE 8 kHz mono, 20 ms buffers). The number of
 *    calls is raised to 16, 32, 48, 64, 80, 96, 128, 160, 200, 256
 *    (SIP_CALLS_LEVELS, comma-separated); at each level, after 1.5 s to
 *    settle, for SIP_CALLS_WINDOW seconds (default 5): the audio samples
 *    out of every call's src pad on both sides against 8000 per second
 *    (loss), the process CPU time (getrusage) per wall second, threads and
 *    file descriptors. It stops at the first level with loss >= 1 %, a
 *    failed call or an ERROR.
 *
 * Also printed: file descriptors and threads of the process before the
 * set-up calls, with both bins still PLAYING after them, and after the bins
 * are freed (SIP_CALLS_FDS=1 lists the descriptors by kind;
 * SIP_CALLS_HANGUP=callee makes the listening bin send the BYEs).
 *
 * Run: meson test -C BUILD --benchmark --verbose sip-calls
 * (environment: SIP_CALLS_SETUP=50, SIP_CALLS_WINDOW=5, SIP_CALLS_LEVELS,
 * SIP_CALLS_LATENCY: the bins' `latency` in ms, default the bin's)
 */

#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include "pki.h"

#define MAX_SLOTS 16
#define RATE 8000
#define WAIT_US (30 * G_USEC_PER_SEC)

typedef struct
{
  gint bytes;                   /* atomic */
  gint armed;                   /* atomic: record the next buffer's time */
  gint64 t_first;               /* atomic (set once per arming) */
} Counter;

typedef struct
{
  GstElement *pipeline;
  GstElement *bin;
  GstElement *sinks[MAX_SLOTS]; /* capsfilter ! fakesink, linked to slot n */
  Counter counters[MAX_SLOTS];
  guint ncalls;                 /* calls placed/received (slots in use) */
  GMutex lock;
  GCond cond;
  guint secured, ended, failed, errors;
  gint64 t_secured;
} Peer;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

static GstPadProbeReturn
count_probe_cb (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Counter *c = data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  g_atomic_int_add (&c->bytes, (gint) gst_buffer_get_size (buf));
  if (g_atomic_int_compare_and_exchange (&c->armed, 1, 0))
    c->t_first = now_us ();
  return GST_PAD_PROBE_OK;
}

static GstBusSyncReply
bus_sync_cb (GstBus * bus, GstMessage * msg, gpointer data)
{
  Peer *p = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *dbg = NULL;

    gst_message_parse_error (msg, &err, &dbg);
    g_printerr ("ERROR from %s: %s (%s)\n", GST_OBJECT_NAME (msg->src),
        err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    g_mutex_lock (&p->lock);
    p->errors++;
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT
      && gst_structure_has_name (gst_message_get_structure (msg),
          "pgsm-call")) {
    const GstStructure *s = gst_message_get_structure (msg);
    const gchar *state = gst_structure_get_string (s, "state");
    gint64 t = now_us ();

    g_mutex_lock (&p->lock);
    if (g_strcmp0 (state, "secured") == 0) {
      p->secured++;
      p->t_secured = t;
    } else if (g_strcmp0 (state, "ended") == 0) {
      p->ended++;
    } else if (g_strcmp0 (state, "failed") == 0) {
      gchar *str = gst_structure_to_string (s);

      g_printerr ("call failed: %s\n", str);
      g_free (str);
      p->failed++;
    }
    g_cond_broadcast (&p->cond);
    g_mutex_unlock (&p->lock);
  }
  return GST_BUS_DROP;
}

static void
pad_added_cb (GstElement * bin, GstPad * pad, Peer * p)
{
  guint slot = 0;
  GstPad *sinkpad;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC
      || sscanf (GST_PAD_NAME (pad), "src_%u", &slot) != 1 || slot >= MAX_SLOTS)
    return;
  sinkpad = gst_element_get_static_pad (p->sinks[slot], "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    g_printerr ("could not link %s\n", GST_PAD_NAME (pad));
  gst_object_unref (sinkpad);
}

/* A bin in its own pipeline: live tone into `sink`, each slot's audio into
 * a capsfilter ! fakesink with a counting probe */
static Peer *
peer_new (const PgsmTestPki * pki, const PgsmTestCert * cert, guint max_calls,
    gdouble freq)
{
  Peer *p = g_new0 (Peer, 1);
  GstElement *src, *filter;
  GstCaps *caps;
  GstBus *bus;
  guint n;

  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("audiotestsrc", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  p->bin = gst_element_factory_make ("pgsmsipbin", NULL);
  if (src == NULL || filter == NULL || p->bin == NULL) {
    g_printerr ("audiotestsrc, capsfilter or pgsmsipbin missing\n");
    exit (1);
  }
  caps = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=8000,"
      "channels=1");
  g_object_set (src, "is-live", TRUE, "freq", freq, "volume", 0.5,
      "samplesperbuffer", RATE / 50, NULL);
  g_object_set (filter, "caps", caps, NULL);
  g_object_set (p->bin, "listen-uri", "sips:127.0.0.1:0", "max-calls",
      max_calls, "ca-file", pki->root_ca_file, NULL);
  if (g_getenv ("SIP_CALLS_LATENCY") != NULL)
    g_object_set (p->bin, "latency", (guint) atoi (g_getenv
            ("SIP_CALLS_LATENCY")), NULL);
  if (cert != NULL)
    g_object_set (p->bin, "cert-file", cert->chain_file, "key-file",
        cert->key_file, "auto-answer", TRUE, NULL);
  gst_bin_add_many (GST_BIN (p->pipeline), src, filter, p->bin, NULL);
  gst_element_link_many (src, filter, p->bin, NULL);
  for (n = 0; n < max_calls; n++) {
    GstElement *cf = gst_element_factory_make ("capsfilter", NULL);
    GstElement *fs = gst_element_factory_make ("fakesink", NULL);
    GstPad *pad;

    g_object_set (cf, "caps", caps, NULL);
    g_object_set (fs, "sync", FALSE, "async", FALSE, NULL);
    gst_bin_add_many (GST_BIN (p->pipeline), cf, fs, NULL);
    gst_element_link (cf, fs);
    pad = gst_element_get_static_pad (cf, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe_cb,
        &p->counters[n], NULL);
    gst_object_unref (pad);
    p->sinks[n] = cf;
  }
  gst_caps_unref (caps);
  gst_element_link_pads (p->bin, "src", p->sinks[0], "sink");
  g_signal_connect (p->bin, "pad-added", G_CALLBACK (pad_added_cb), p);
  bus = gst_element_get_bus (p->pipeline);
  gst_bus_set_sync_handler (bus, bus_sync_cb, p, NULL);
  gst_object_unref (bus);
  if (gst_element_set_state (p->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_printerr ("pipeline does not start\n");
    exit (1);
  }
  return p;
}

static void
peer_free (Peer * p)
{
  GstBus *bus;

  gst_element_set_state (p->pipeline, GST_STATE_NULL);
  bus = gst_element_get_bus (p->pipeline);
  gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
  gst_object_unref (bus);
  gst_object_unref (p->pipeline);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

static guint
peer_port (Peer * p)
{
  guint port = 0;

  g_object_get (p->bin, "bound-port", &port, NULL);
  return port;
}

/* Waits until *field >= want (under p->lock); FALSE on time-out or when a
 * call failed or an ERROR came */
static gboolean
peer_wait (Peer * p, guint * field, guint want)
{
  gint64 deadline = now_us () + WAIT_US;
  gboolean ok;

  g_mutex_lock (&p->lock);
  while (*field < want && p->failed == 0 && p->errors == 0
      && now_us () < deadline)
    g_cond_wait_until (&p->cond, &p->lock, deadline);
  ok = *field >= want;
  g_mutex_unlock (&p->lock);
  return ok;
}

static gchar *
peer_call (Peer * caller, Peer * callee)
{
  gchar *uri = g_strdup_printf ("sips:bob@127.0.0.1:%u", peer_port (callee));
  gchar *id = NULL;

  g_signal_emit_by_name (caller->bin, "call", uri, &id);
  g_free (uri);
  return id;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

static void
print_stats (const gchar * what, GArray * v)
{
  gdouble *d;
  guint n = v->len;

  if (n == 0)
    return;
  g_array_sort (v, cmp_double);
  d = (gdouble *) v->data;
  g_print ("  %-28s median %6.1f  p95 %6.1f  min %6.1f  max %6.1f ms\n",
      what, d[n / 2], d[MIN (n - 1, (guint) (0.95 * n + 0.5) - 1)], d[0],
      d[n - 1]);
}

static guint
count_dir (const gchar * path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  if (dir == NULL)
    return 0;
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  return n;
}

/* SIP_CALLS_FDS=1: what the open file descriptors are, by kind */
static void
print_fd_kinds (void)
{
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  GHashTable *kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  GHashTableIter it;
  gpointer k, v;
  const gchar *name;

  if (dir == NULL || g_getenv ("SIP_CALLS_FDS") == NULL) {
    g_clear_pointer (&dir, g_dir_close);
    g_hash_table_unref (kinds);
    return;
  }
  while ((name = g_dir_read_name (dir)) != NULL) {
    gchar *path = g_build_filename ("/proc/self/fd", name, NULL);
    gchar *target = g_file_read_link (path, NULL);
    gchar *kind = g_strdup (target ? target : "?");
    gchar *cut = strchr (kind, '[');

    if (cut != NULL)
      *cut = '\0';
    g_hash_table_insert (kinds, kind, GUINT_TO_POINTER (GPOINTER_TO_UINT
            (g_hash_table_lookup (kinds, kind)) + 1));
    g_free (target);
    g_free (path);
  }
  g_dir_close (dir);
  g_hash_table_iter_init (&it, kinds);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_print ("    fds %-30s %u\n", (gchar *) k, GPOINTER_TO_UINT (v));
  g_hash_table_unref (kinds);
}

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static glong
rss_kb (void)
{
  gchar *status = NULL;
  const gchar *l;
  glong kb = 0;

  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      && (l = strstr (status, "VmRSS:")) != NULL)
    kb = strtol (l + 6, NULL, 10);
  g_free (status);
  return kb;
}

static void
print_loadavg (const gchar * when)
{
  gchar *s = NULL;

  if (g_file_get_contents ("/proc/loadavg", &s, NULL, NULL))
    g_print ("load average %s: %s", when, s);
  g_free (s);
}

static gboolean
setup_times (const PgsmTestPki * pki, const PgsmTestCert * cert, guint calls)
{
  Peer *callee = peer_new (pki, cert, 1, 1000.0);
  Peer *caller = peer_new (pki, NULL, 1, 440.0);
  GArray *t_sec = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *t_audio = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gboolean ok = TRUE;
  guint i;

  g_print ("== call set-up: %u calls one after another ==\n", calls);
  for (i = 0; i <= calls && ok; i++) {
    Counter *c = &caller->counters[0];
    gint64 t0, t_first = 0, deadline;
    gdouble sec, audio;
    gchar *id;
    gboolean done = FALSE;

    c->t_first = 0;
    g_atomic_int_set (&c->armed, 1);
    t0 = now_us ();
    id = peer_call (caller, callee);
    if (id == NULL || !peer_wait (caller, &caller->secured, i + 1)) {
      g_printerr ("call %u: no `secured`\n", i);
      ok = FALSE;
      g_free (id);
      break;
    }
    deadline = now_us () + WAIT_US;
    while (now_us () < deadline && t_first == 0) {
      g_usleep (500);
      if (g_atomic_int_get (&c->armed) == 0)
        t_first = c->t_first;
    }
    if (t_first == 0) {
      g_printerr ("call %u: no audio out of src\n", i);
      ok = FALSE;
    }
    g_mutex_lock (&caller->lock);
    sec = (caller->t_secured - t0) / 1000.0;
    g_mutex_unlock (&caller->lock);
    audio = (t_first - t0) / 1000.0;
    if (i == 0)
      g_print ("  first call (plugins load)    secured %6.1f ms, "
          "first audio %6.1f ms\n", sec, audio);
    else {
      g_array_append_val (t_sec, sec);
      g_array_append_val (t_audio, audio);
    }
    /* SIP_CALLS_HANGUP=callee: the listening side sends the BYE */
    g_signal_emit_by_name (g_strcmp0 (g_getenv ("SIP_CALLS_HANGUP"),
            "callee") == 0 ? callee->bin : caller->bin, "hangup", id, &done);
    g_free (id);
    if (!done || !peer_wait (caller, &caller->ended, i + 1)
        || !peer_wait (callee, &callee->ended, i + 1)) {
      g_printerr ("call %u: hang-up did not end it\n", i);
      ok = FALSE;
    }
  }
  print_stats ("INVITE -> secured", t_sec);
  print_stats ("INVITE -> first audio at src", t_audio);
  g_array_unref (t_sec);
  g_array_unref (t_audio);
  g_print ("  fds with both bins PLAYING after the calls: %u\n",
      count_dir ("/proc/self/fd"));
  peer_free (caller);
  g_print ("  fds after the calling bin is freed: %u\n",
      count_dir ("/proc/self/fd"));
  peer_free (callee);
  return ok;
}

static gint64
total_bytes (GPtrArray * peers, gint64 * per_slot, guint * n_slots)
{
  gint64 total = 0;
  guint i, n, k = 0;

  for (i = 0; i < peers->len; i++) {
    Peer *p = g_ptr_array_index (peers, i);

    for (n = 0; n < p->ncalls; n++) {
      gint64 b = g_atomic_int_get (&p->counters[n].bytes);

      per_slot[k++] = b;
      total += b;
    }
  }
  *n_slots = k;
  return total;
}

static void
concurrency (const PgsmTestPki * pki, const PgsmTestCert * cert,
    const gchar * levels_str, guint window_s)
{
  gchar **levels = g_strsplit (levels_str, ",", -1);
  GPtrArray *callees = g_ptr_array_new ();
  GPtrArray *callers = g_ptr_array_new ();
  GPtrArray *all = g_ptr_array_new ();
  guint active = 0, li, i;
  gdouble prev_cpu_pct = 0;
  guint prev_n = 0;
  gint64 *before = g_new0 (gint64, 1024), *after = g_new0 (gint64, 1024);

  g_print ("\n== concurrent calls (G.711 PCMU, 50 packets/s each way, "
      "%u s per level) ==\n", window_s);
  g_print ("%6s %7s %8s %9s %8s %8s %8s %8s %7s %5s\n", "calls", "setup_s",
      "loss_%", "worst_%", "cpu_%", "cpu/call", "d_cpu/c", "threads", "fds",
      "RSS_MB");
  for (li = 0; levels[li] != NULL; li++) {
    guint want = (guint) g_ascii_strtoull (levels[li], NULL, 10);
    gint64 t_start = now_us (), t0, t1;
    gdouble c0, c1, dt, cpu_pct, loss, worst = 0;
    gint64 b0, b1;
    guint n0, n1, failures = 0;
    gboolean ok = TRUE;

    if (want == 0 || want > 1024 / 2)
      continue;
    while (active < want && ok) {
      guint j = active / MAX_SLOTS;
      Peer *caller, *callee;
      gchar *id;

      if (j >= callees->len) {
        callee = peer_new (pki, cert, MAX_SLOTS, 1000.0);
        caller = peer_new (pki, NULL, MAX_SLOTS, 440.0);
        g_ptr_array_add (callees, callee);
        g_ptr_array_add (callers, caller);
        g_ptr_array_add (all, caller);
        g_ptr_array_add (all, callee);
      }
      callee = g_ptr_array_index (callees, j);
      caller = g_ptr_array_index (callers, j);
      id = peer_call (caller, callee);
      ok = id != NULL && peer_wait (caller, &caller->secured,
          caller->ncalls + 1);
      g_free (id);
      if (!ok) {
        g_printerr ("call %u did not reach `secured`\n", active + 1);
        break;
      }
      caller->ncalls++;
      callee->ncalls++;
      active++;
    }
    for (i = 0; i < callees->len && ok; i++) {
      Peer *p = g_ptr_array_index (callees, i);

      ok = peer_wait (p, &p->secured, p->ncalls);
    }
    if (!ok) {
      g_print ("%6u  stopped: a call could not be set up (see above)\n", want);
      break;
    }
    g_usleep (1500 * 1000);
    t0 = now_us ();
    c0 = cpu_seconds ();
    b0 = total_bytes (all, before, &n0);
    g_usleep (window_s * G_USEC_PER_SEC);
    t1 = now_us ();
    c1 = cpu_seconds ();
    b1 = total_bytes (all, after, &n1);
    dt = (t1 - t0) / 1e6;
    cpu_pct = 100.0 * (c1 - c0) / dt;
    loss = 100.0 * (1.0 - (b1 - b0) / 2.0 / (RATE * dt * n1));
    for (i = 0; i < n1; i++) {
      gdouble l = 100.0 * (1.0 - (after[i] - before[i]) / 2.0 / (RATE * dt));

      worst = MAX (worst, l);
    }
    for (i = 0; i < all->len; i++) {
      Peer *p = g_ptr_array_index (all, i);

      failures += p->failed + p->errors;
    }
    g_print ("%6u %7.1f %8.2f %9.2f %8.1f %8.2f %8.2f %8u %7u %5.0f\n",
        active, (t0 - t_start) / 1e6 - 1.5, loss, worst, cpu_pct,
        cpu_pct / active,
        prev_n ? (cpu_pct - prev_cpu_pct) / (active - prev_n) : 0.0,
        count_dir ("/proc/self/task"), count_dir ("/proc/self/fd"),
        rss_kb () / 1024.0);
    prev_cpu_pct = cpu_pct;
    prev_n = active;
    if (loss >= 1.0 || failures > 0) {
      g_print ("stopped at %u calls: loss %.2f %% (worst call %.2f %%), "
          "%u failures/errors\n", active, loss, worst, failures);
      break;
    }
  }
  print_loadavg ("after the ramp");
  g_print ("stopping %u bins...\n", all->len);
  for (i = 0; i < all->len; i++)
    peer_free (g_ptr_array_index (all, i));
  g_ptr_array_unref (all);
  g_ptr_array_unref (callers);
  g_ptr_array_unref (callees);
  g_free (before);
  g_free (after);
  g_strfreev (levels);
}

int
main (int argc, char **argv)
{
  PgsmTestPki *pki;
  PgsmTestCert *cert;
  struct rlimit rl;
  const gchar *env;
  guint setup_calls = 50, window_s = 5, fds, threads;
  const gchar *levels = "16,32,48,64,80,96,128,160,200,256";
  gboolean ok;

  gst_init (&argc, &argv);
  if ((env = g_getenv ("SIP_CALLS_SETUP")))
    setup_calls = atoi (env);
  if ((env = g_getenv ("SIP_CALLS_WINDOW")))
    window_s = MAX (1, atoi (env));
  if ((env = g_getenv ("SIP_CALLS_LEVELS")))
    levels = env;
  /* several sockets and eventfds per call: lift the soft fd limit */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit (RLIMIT_NOFILE, &rl);
    getrlimit (RLIMIT_NOFILE, &rl);
  }
  g_print ("machine: %d CPUs online, fd limit %lu\n", g_get_num_processors (),
      (gulong) rl.rlim_cur);
  print_loadavg ("at start");
  pki = pgsm_test_pki_new_tmp ("pgsm-sip-calls");
  if (pki == NULL)
    return 1;
  cert = pgsm_test_pki_issue_server (pki, "bob", "127.0.0.1");

  fds = count_dir ("/proc/self/fd");
  threads = count_dir ("/proc/self/task");
  ok = setup_times (pki, cert, setup_calls);
  g_print ("after the set-up bins are freed: %u fds (%u before), "
      "%u threads (%u before)\n", count_dir ("/proc/self/fd"), fds,
      count_dir ("/proc/self/task"), threads);
  print_fd_kinds ();
  if (ok)
    concurrency (pki, cert, levels, window_s);
  g_print ("at the end: %u fds, %u threads\n", count_dir ("/proc/self/fd"),
      count_dir ("/proc/self/task"));
  print_fd_kinds ();

  pgsm_test_cert_free (cert);
  pgsm_test_pki_free (pki);
  gst_deinit ();
  return ok ? 0 : 1;
}
