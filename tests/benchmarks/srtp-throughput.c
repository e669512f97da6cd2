/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/*
 * srtp-throughput: a benchmark program (not a test). It prints figures.
 *
 * Throughput mode (default): pre-built RTP packets go through
 *   [src pad] ! ENC ! DEC ! fakesink
 * with ENC/DEC = pgsmsrtpenc/pgsmsrtpdec and srtpenc/srtpdec, as single
 * buffers and as buffer lists of 32, next to a raw libsrtp2
 * srtp_protect()/srtp_unprotect() loop on the same packets. The
 * configurations run in interleaved rounds (A, B, C, A, B, C, ...) and the
 * program prints the median ns/packet of each and the ratios.
 *
 * The pipeline is driven synchronously from the main thread: our own source
 * pad, linked to the encoder's rtp_sink_0, pushes every packet, and each
 * push returns once fakesink (sync=false, no handoff signal, no last
 * sample) has consumed it. The clock runs from the first push to the return
 * of the last one, so no queue, thread hand-over or appsrc wake-up is in the
 * figure: only the two elements, the pad pushes between them and fakesink.
 *
 * Every round builds new elements (fresh SRTP sessions) and sequence
 * numbers keep increasing over the whole run, so no sequence number is ever
 * sent twice in one session (srtpenc treats that as fatal).
 *
 * srtpdec of GStreamer 1.22 uses a freed buffer when its input buffer has
 * another reference, which is what the default chain-list handler gives
 * it. In the srtpenc+srtpdec "lists" configuration the lists that srtpenc
 * pushes are therefore split into single, unshared buffers which are
 * chained into srtpdec one by one (what the default handler would do, minus
 * the extra reference).
 *
 * Callgrind mode (--callgrind ELEMENT): N packets through that one element
 * only, [src pad] ! ELEMENT ! [sink pad], all inside the function
 * bench_measured_run(), for
 *   valgrind --tool=callgrind --collect-atstart=no \
 *     --toggle-collect=bench_measured_run ...
 * (see srtp-callgrind.sh). Decoders get SRTP packets made beforehand with
 * raw libsrtp2 and the same key. Our sink pad's chain functions are
 * bench_sink_chain() and bench_sink_chain_list(), so their cost can be
 * subtracted.
 *
 * The pgsm elements are found through GST_PLUGIN_PATH; when they are not
 * there, their configurations are skipped with a note.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gst/gst.h>
#include <srtp2/srtp.h>

#define LIST_LEN 32
#define WARMUP_PACKETS 64
#define BENCH_SSRC 0xdeadbeefu

typedef enum
{
  SUITE_AES_CM_128_HMAC_SHA1_80,
  SUITE_AEAD_AES_128_GCM,
  N_SUITES
} Suite;

typedef struct
{
  const gchar *name;
  const gchar *cipher;          /* srtpenc enum nick and x-srtp caps value */
  const gchar *auth;
  const gchar *rtcp_auth;
  guint key_len;                /* master key + salt */
} SuiteInfo;

static const SuiteInfo suites[N_SUITES] = {
  {"AES_CM_128_HMAC_SHA1_80", "aes-128-icm", "hmac-sha1-80", "hmac-sha1-80",
      30},
  /* srtpenc needs the same AEAD cipher and null auth for RTCP as well */
  {"AEAD_AES_128_GCM", "aes-128-gcm", "null", "null", 28},
};

typedef enum
{
  IMPL_PGSM,
  IMPL_GST,
  IMPL_RAW,
  N_IMPLS
} Impl;

static const gchar *enc_factory[2] = { "pgsmsrtpenc", "srtpenc" };
static const gchar *dec_factory[2] = { "pgsmsrtpdec", "srtpdec" };

typedef struct
{
  Impl impl;
  gboolean lists;
  const gchar *label;
} Config;

static const Config configs[] = {
  {IMPL_PGSM, FALSE, "pgsmsrtpenc+pgsmsrtpdec single"},
  {IMPL_GST, FALSE, "srtpenc+srtpdec single"},
  {IMPL_PGSM, TRUE, "pgsmsrtpenc+pgsmsrtpdec lists/32"},
  {IMPL_GST, TRUE, "srtpenc+srtpdec lists/32"},
  {IMPL_RAW, FALSE, "raw libsrtp2 protect+unprotect"},
};

#define N_CONFIGS G_N_ELEMENTS (configs)

/* Benchmark key material: a fixed pattern, not a secret */
static guint8 bench_key[46];

/* Sequence numbers and timestamps increase over the whole run */
static guint32 next_seq = 1000;

static gboolean have_pgsm = FALSE;
/* memories per input RTP packet: 1 as gst_rtp_buffer_new_allocate() makes
 * them, 2 (12-byte header, then the payload) as the audio payloaders
 * (GstRTPBaseAudioPayload: rtppcmupay, rtppcmapay, rtpopuspay...) do */
static guint bench_memories = 1;

typedef struct
{
  GstElement *pipeline;
  GstElement *enc;
  GstElement *dec;
  GstElement *sink;
  GstPad *srcpad;               /* ours: pushes into the first element */
  GstPad *relay_sink;           /* ours: srtpenc lists -> srtpdec buffers */
  GstPad *relay_src;
  GstPad *dec_sinkpad;
  GstPad *bench_sink;           /* ours: callgrind mode, instead of fakesink */
} Chain;

static guint64 bench_sink_count = 0;

/* CPU time of this thread by default: the whole pipeline runs in it, and
 * time spent waiting for a CPU on a busy machine is left out (--wall for
 * the monotonic clock) */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static inline guint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (bench_clock, &ts);
  return (guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

/* ---------------------------------------------------------------------- */
/* Packets */

static void
write_rtp_packet (guint8 * data, gsize size, guint32 seq)
{
  guint32 ts = seq * 160;
  gsize i;

  data[0] = 0x80;
  data[1] = size > 200 ? 96 : 0;        /* dynamic PT or PCMU; never 64-80 */
  data[2] = (seq >> 8) & 0xff;
  data[3] = seq & 0xff;
  data[4] = ts >> 24;
  data[5] = ts >> 16;
  data[6] = ts >> 8;
  data[7] = ts;
  data[8] = BENCH_SSRC >> 24;
  data[9] = (BENCH_SSRC >> 16) & 0xff;
  data[10] = (BENCH_SSRC >> 8) & 0xff;
  data[11] = BENCH_SSRC & 0xff;
  for (i = 12; i < size; i++)
    data[i] = (guint8) (i * 7 + seq);
}

/* A buffer shaped as an RTP payloader makes it: one memory of exactly the
 * packet size, plus @tailroom bytes of padding when asked for; or, with
 * --memories 2, a 12-byte header memory followed by the payload's */
static GstBuffer *
make_rtp_buffer (gsize size, guint tailroom)
{
  GstAllocationParams params;
  GstBuffer *buf;
  GstMapInfo map;
  guint8 data[1500];

  gst_allocation_params_init (&params);
  params.padding = tailroom;
  if (bench_memories == 2) {
    write_rtp_packet (data, size, next_seq++);
    buf = gst_buffer_new_allocate (NULL, 12, NULL);
    gst_buffer_fill (buf, 0, data, 12);
    gst_buffer_append_memory (buf, gst_allocator_alloc (NULL, size - 12,
            &params));
    gst_buffer_fill (buf, 12, data + 12, size - 12);
    return buf;
  }
  buf = gst_buffer_new_allocate (NULL, size, &params);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  write_rtp_packet (map.data, size, next_seq++);
  gst_buffer_unmap (buf, &map);
  return buf;
}

static srtp_t
raw_session (Suite suite, gboolean outbound)
{
  srtp_policy_t policy;
  srtp_t session = NULL;
  srtp_err_status_t err;

  memset (&policy, 0, sizeof (policy));
  if (suite == SUITE_AEAD_AES_128_GCM) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth (&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 (&policy.rtcp);
  }
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  policy.key = bench_key;
  policy.window_size = 128;
  policy.next = NULL;

  err = srtp_create (&session, &policy);
  if (err != srtp_err_status_ok) {
    g_printerr ("srtp_create failed: %d\n", err);
    exit (1);
  }
  return session;
}

/* An SRTP packet protected with raw libsrtp2, for the decoders */
static GstBuffer *
make_srtp_buffer (srtp_t tx, gsize size)
{
  guint8 data[1500 + SRTP_MAX_TRAILER_LEN];
  int len = size;
  srtp_err_status_t err;

  write_rtp_packet (data, size, next_seq++);
  err = srtp_protect (tx, data, &len);
  if (err != srtp_err_status_ok) {
    g_printerr ("srtp_protect failed: %d\n", err);
    exit (1);
  }
  return gst_buffer_new_memdup (data, len);
}

/* ---------------------------------------------------------------------- */
/* Chains */

static GstCaps *
rtp_caps (gsize size)
{
  if (size > 200)
    return gst_caps_new_simple ("application/x-rtp",
        "media", G_TYPE_STRING, "video", "clock-rate", G_TYPE_INT, 90000,
        "encoding-name", G_TYPE_STRING, "H264", "payload", G_TYPE_INT, 96,
        "ssrc", G_TYPE_UINT, BENCH_SSRC, NULL);
  return gst_caps_new_simple ("application/x-rtp",
      "media", G_TYPE_STRING, "audio", "clock-rate", G_TYPE_INT, 8000,
      "encoding-name", G_TYPE_STRING, "PCMU", "payload", G_TYPE_INT, 0,
      "ssrc", G_TYPE_UINT, BENCH_SSRC, NULL);
}

static GstCaps *
srtp_caps (Suite suite, gsize size)
{
  const SuiteInfo *si = &suites[suite];
  GstCaps *caps = rtp_caps (size);
  GstBuffer *key = gst_buffer_new_memdup (bench_key, si->key_len);

  gst_structure_set_name (gst_caps_get_structure (caps, 0),
      "application/x-srtp");
  gst_caps_set_simple (caps, "srtp-key", GST_TYPE_BUFFER, key,
      "srtp-cipher", G_TYPE_STRING, si->cipher,
      "srtp-auth", G_TYPE_STRING, si->auth,
      "srtcp-cipher", G_TYPE_STRING, si->cipher,
      "srtcp-auth", G_TYPE_STRING, si->rtcp_auth, NULL);
  gst_buffer_unref (key);
  return caps;
}

static gboolean
has_property (GstElement * e, const gchar * name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (e), name) != NULL;
}

static void
configure_element (GstElement * e, Suite suite, gboolean is_enc)
{
  const SuiteInfo *si = &suites[suite];
  GstBuffer *key;

  /* srtpdec takes its keys from caps only */
  if (!has_property (e, "key"))
    return;

  key = gst_buffer_new_memdup (bench_key, si->key_len);
  g_object_set (e, "key", key, NULL);
  gst_buffer_unref (key);
  gst_util_set_object_arg (G_OBJECT (e), "rtp-cipher", si->cipher);
  gst_util_set_object_arg (G_OBJECT (e), "rtcp-cipher", si->cipher);
  gst_util_set_object_arg (G_OBJECT (e), "rtp-auth", si->auth);
  gst_util_set_object_arg (G_OBJECT (e), "rtcp-auth", si->rtcp_auth);
  /* so that a pgsm decoder downstream could also read the key from caps */
  if (is_enc && has_property (e, "key-in-caps"))
    g_object_set (e, "key-in-caps", TRUE, NULL);
}

static GstElement *
make_element (const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL) {
    g_printerr ("element %s not found (GST_PLUGIN_PATH?)\n", factory);
    exit (1);
  }
  return e;
}

static GstPad *
new_active_pad (const gchar * name, GstPadDirection dir)
{
  GstPad *pad = gst_pad_new (name, dir);

  gst_pad_set_active (pad, TRUE);
  return pad;
}

static void
push_start_events (GstPad * srcpad, GstCaps * caps)
{
  GstSegment segment;

  gst_pad_push_event (srcpad, gst_event_new_stream_start ("srtp-bench"));
  gst_pad_push_event (srcpad, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (srcpad, gst_event_new_segment (&segment));
}

static GstFlowReturn
bench_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  bench_sink_count++;
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static GstFlowReturn
bench_sink_chain_list (GstPad * pad, GstObject * parent, GstBufferList * list)
{
  bench_sink_count += gst_buffer_list_length (list);
  gst_buffer_list_unref (list);
  return GST_FLOW_OK;
}

static gboolean
bench_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  gst_event_unref (event);
  return TRUE;
}

/* srtpenc lists -> single, unshared buffers chained into srtpdec */
static GstFlowReturn
relay_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  Chain *c = gst_pad_get_element_private (pad);

  return gst_pad_chain (c->dec_sinkpad, buf);
}

static GstFlowReturn
relay_chain_list (GstPad * pad, GstObject * parent, GstBufferList * list)
{
  Chain *c = gst_pad_get_element_private (pad);
  GstBuffer *bufs[LIST_LEN * 4];
  guint i, n = gst_buffer_list_length (list);
  GstFlowReturn ret = GST_FLOW_OK;

  g_assert (n <= G_N_ELEMENTS (bufs));
  for (i = 0; i < n; i++)
    bufs[i] = gst_buffer_ref (gst_buffer_list_get (list, i));
  /* drops the list's references: each buffer now has only ours */
  gst_buffer_list_unref (list);
  for (i = 0; i < n; i++) {
    if (ret == GST_FLOW_OK)
      ret = gst_pad_chain (c->dec_sinkpad, bufs[i]);
    else
      gst_buffer_unref (bufs[i]);
  }
  return ret;
}

static gboolean
relay_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  Chain *c = gst_pad_get_element_private (pad);

  return gst_pad_push_event (c->relay_src, event);
}

static GstElement *
make_fakesink (void)
{
  GstElement *sink = make_element ("fakesink");

  g_object_set (sink, "sync", FALSE, "async", FALSE, "signal-handoffs", FALSE,
      "enable-last-sample", FALSE, "qos", FALSE, NULL);
  return sink;
}

static void
link_or_die (GstPad * src, GstPad * sink)
{
  if (src == NULL || sink == NULL || GST_PAD_LINK_FAILED (gst_pad_link (src,
              sink))) {
    g_printerr ("could not link %s:%s to %s:%s\n", GST_DEBUG_PAD_NAME (src),
        GST_DEBUG_PAD_NAME (sink));
    exit (1);
  }
}

/* [srcpad] ! ENC ! DEC ! fakesink */
static Chain *
chain_new_pair (Impl impl, Suite suite, gsize size, gboolean lists)
{
  Chain *c = g_new0 (Chain, 1);
  GstPad *enc_sink, *enc_src;
  GstCaps *caps;

  c->pipeline = gst_pipeline_new (NULL);
  c->enc = make_element (enc_factory[impl]);
  c->dec = make_element (dec_factory[impl]);
  c->sink = make_fakesink ();
  configure_element (c->enc, suite, TRUE);
  configure_element (c->dec, suite, FALSE);
  gst_bin_add_many (GST_BIN (c->pipeline), c->enc, c->dec, c->sink, NULL);

  /* srtpenc: request the pad by its explicit name */
  enc_sink = gst_element_request_pad_simple (c->enc, "rtp_sink_0");
  enc_src = gst_element_get_static_pad (c->enc, "rtp_src_0");
  c->dec_sinkpad = gst_element_get_static_pad (c->dec, "rtp_sink");
  c->srcpad = new_active_pad ("benchsrc", GST_PAD_SRC);
  link_or_die (c->srcpad, enc_sink);

  if (impl == IMPL_GST && lists) {
    c->relay_sink = gst_pad_new ("relaysink", GST_PAD_SINK);
    gst_pad_set_element_private (c->relay_sink, c);
    gst_pad_set_chain_function (c->relay_sink, relay_chain);
    gst_pad_set_chain_list_function (c->relay_sink, relay_chain_list);
    gst_pad_set_event_function (c->relay_sink, relay_event);
    gst_pad_set_active (c->relay_sink, TRUE);
    c->relay_src = new_active_pad ("relaysrc", GST_PAD_SRC);
    link_or_die (enc_src, c->relay_sink);
    link_or_die (c->relay_src, c->dec_sinkpad);
  } else {
    link_or_die (enc_src, c->dec_sinkpad);
  }
  if (!gst_element_link_pads (c->dec, "rtp_src", c->sink, "sink")) {
    g_printerr ("could not link the decoder to fakesink\n");
    exit (1);
  }
  gst_object_unref (enc_sink);
  gst_object_unref (enc_src);

  if (gst_element_set_state (c->pipeline,
          GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("%s/%s pipeline failed to start\n", enc_factory[impl],
        dec_factory[impl]);
    exit (1);
  }
  caps = rtp_caps (size);
  push_start_events (c->srcpad, caps);
  gst_caps_unref (caps);
  return c;
}

/* [srcpad] ! ELEMENT ! [bench sink pad] */
static Chain *
chain_new_single (const gchar * factory, Suite suite, gsize size)
{
  Chain *c = g_new0 (Chain, 1);
  gboolean is_enc = g_str_has_suffix (factory, "enc");
  GstElement *e = make_element (factory);
  GstPad *e_sink, *e_src;
  GstCaps *caps;

  c->pipeline = gst_pipeline_new (NULL);
  configure_element (e, suite, is_enc);
  gst_bin_add (GST_BIN (c->pipeline), e);
  if (is_enc) {
    c->enc = e;
    e_sink = gst_element_request_pad_simple (e, "rtp_sink_0");
    e_src = gst_element_get_static_pad (e, "rtp_src_0");
  } else {
    c->dec = e;
    e_sink = gst_element_get_static_pad (e, "rtp_sink");
    e_src = gst_element_get_static_pad (e, "rtp_src");
  }
  c->srcpad = new_active_pad ("benchsrc", GST_PAD_SRC);
  c->bench_sink = gst_pad_new ("benchsink", GST_PAD_SINK);
  gst_pad_set_chain_function (c->bench_sink, bench_sink_chain);
  gst_pad_set_chain_list_function (c->bench_sink, bench_sink_chain_list);
  gst_pad_set_event_function (c->bench_sink, bench_sink_event);
  gst_pad_set_active (c->bench_sink, TRUE);
  link_or_die (c->srcpad, e_sink);
  link_or_die (e_src, c->bench_sink);
  gst_object_unref (e_sink);
  gst_object_unref (e_src);

  if (gst_element_set_state (c->pipeline,
          GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_printerr ("%s failed to start\n", factory);
    exit (1);
  }
  caps = is_enc ? rtp_caps (size) : srtp_caps (suite, size);
  push_start_events (c->srcpad, caps);
  gst_caps_unref (caps);
  return c;
}

static void
check_bus (Chain * c, const gchar * what)
{
  GstBus *bus = gst_element_get_bus (c->pipeline);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_ERROR | GST_MESSAGE_WARNING))) {
    GError *err = NULL;
    gchar *dbg = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &err, &dbg);
    else
      gst_message_parse_warning (msg, &err, &dbg);
    g_printerr ("%s: %s from %s: %s (%s)\n", what,
        GST_MESSAGE_TYPE_NAME (msg), GST_OBJECT_NAME (msg->src),
        err->message, dbg ? dbg : "");
    g_clear_error (&err);
    g_free (dbg);
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

static void
chain_free (Chain * c)
{
  gst_element_set_state (c->pipeline, GST_STATE_NULL);
  if (c->srcpad) {
    gst_pad_set_active (c->srcpad, FALSE);
    gst_object_unref (c->srcpad);
  }
  if (c->relay_sink) {
    gst_pad_set_active (c->relay_sink, FALSE);
    gst_object_unref (c->relay_sink);
  }
  if (c->relay_src) {
    gst_pad_set_active (c->relay_src, FALSE);
    gst_object_unref (c->relay_src);
  }
  if (c->bench_sink) {
    gst_pad_set_active (c->bench_sink, FALSE);
    gst_object_unref (c->bench_sink);
  }
  if (c->dec_sinkpad)
    gst_object_unref (c->dec_sinkpad);
  gst_object_unref (c->pipeline);
  g_free (c);
}

static guint64
fakesink_rendered (Chain * c)
{
  GstStructure *s = NULL;
  guint64 rendered = 0;

  g_object_get (c->sink, "stats", &s, NULL);
  if (s) {
    gst_structure_get_uint64 (s, "rendered", &rendered);
    gst_structure_free (s);
  }
  return rendered;
}

/* ---------------------------------------------------------------------- */
/* Measurement */

typedef struct
{
  guint n;                      /* packets */
  gboolean lists;
  GstBuffer **bufs;             /* n buffers, or NULL */
  GstBufferList **blists;       /* n / LIST_LEN lists, or NULL */
} Batch;

static void
batch_prepare (Batch * b, guint n, gboolean lists, gsize size, guint tailroom,
    srtp_t tx)
{
  guint i;

  b->n = n;
  b->lists = lists;
  b->bufs = NULL;
  b->blists = NULL;
  if (lists) {
    b->blists = g_new (GstBufferList *, n / LIST_LEN);
    for (i = 0; i < n / LIST_LEN; i++) {
      GstBufferList *l = gst_buffer_list_new_sized (LIST_LEN);
      guint j;

      for (j = 0; j < LIST_LEN; j++)
        gst_buffer_list_add (l, tx ? make_srtp_buffer (tx, size) :
            make_rtp_buffer (size, tailroom));
      b->blists[i] = l;
    }
  } else {
    b->bufs = g_new (GstBuffer *, n);
    for (i = 0; i < n; i++)
      b->bufs[i] = tx ? make_srtp_buffer (tx, size) :
          make_rtp_buffer (size, tailroom);
  }
}

/* Pushes the whole batch; the buffers are consumed. This is the function
 * callgrind's --toggle-collect names: keep it out of line. */
G_GNUC_NO_INLINE static GstFlowReturn
bench_measured_run (GstPad * srcpad, Batch * b)
{
  GstFlowReturn ret = GST_FLOW_OK;
  guint i;

  if (b->lists) {
    for (i = 0; i < b->n / LIST_LEN && ret == GST_FLOW_OK; i++)
      ret = gst_pad_push_list (srcpad, b->blists[i]);
    for (; i < b->n / LIST_LEN; i++)
      gst_buffer_list_unref (b->blists[i]);
  } else {
    for (i = 0; i < b->n && ret == GST_FLOW_OK; i++)
      ret = gst_pad_push (srcpad, b->bufs[i]);
    for (; i < b->n; i++)
      gst_buffer_unref (b->bufs[i]);
  }
  return ret;
}

static void
batch_clear (Batch * b)
{
  g_free (b->bufs);
  g_free (b->blists);
}

static void
warm_up (GstPad * srcpad, gsize size, guint tailroom, srtp_t tx)
{
  guint i;

  for (i = 0; i < WARMUP_PACKETS; i++) {
    GstBuffer *buf = tx ? make_srtp_buffer (tx, size) :
        make_rtp_buffer (size, tailroom);

    if (gst_pad_push (srcpad, buf) != GST_FLOW_OK) {
      g_printerr ("warm-up push failed\n");
      exit (1);
    }
  }
}

/* One round of one element pair; returns ns/packet */
static gdouble
run_pair_round (Impl impl, Suite suite, gsize size, gboolean lists, guint n,
    guint tailroom)
{
  Chain *c = chain_new_pair (impl, suite, size, lists);
  Batch b;
  guint64 t0, t1, before, after;
  GstFlowReturn ret;

  warm_up (c->srcpad, size, tailroom, NULL);
  batch_prepare (&b, n, lists, size, tailroom, NULL);
  before = fakesink_rendered (c);
  t0 = now_ns ();
  ret = bench_measured_run (c->srcpad, &b);
  t1 = now_ns ();
  after = fakesink_rendered (c);
  batch_clear (&b);
  check_bus (c, enc_factory[impl]);
  if (ret != GST_FLOW_OK || after - before != n) {
    g_printerr ("%s+%s %s: flow %s, %" G_GUINT64_FORMAT " of %u packets "
        "reached fakesink\n", enc_factory[impl], dec_factory[impl],
        lists ? "lists" : "single", gst_flow_get_name (ret), after - before, n);
    exit (1);
  }
  chain_free (c);
  return (gdouble) (t1 - t0) / n;
}

/* Raw libsrtp2: protect then unprotect each packet in place */
static gdouble
run_raw_round (Suite suite, gsize size, guint n)
{
  srtp_t tx = raw_session (suite, TRUE);
  srtp_t rx = raw_session (suite, FALSE);
  gsize stride = size + SRTP_MAX_TRAILER_LEN;
  guint8 *pkts = g_malloc (stride * n);
  guint8 warm[1500 + SRTP_MAX_TRAILER_LEN];
  guint64 t0, t1;
  guint i;

  for (i = 0; i < WARMUP_PACKETS; i++) {
    int len = size;

    write_rtp_packet (warm, size, next_seq++);
    if (srtp_protect (tx, warm, &len) || srtp_unprotect (rx, warm, &len))
      goto failed;
  }
  for (i = 0; i < n; i++)
    write_rtp_packet (pkts + i * stride, size, next_seq++);

  t0 = now_ns ();
  for (i = 0; i < n; i++) {
    int len = size;
    guint8 *p = pkts + i * stride;

    if (G_UNLIKELY (srtp_protect (tx, p, &len) != srtp_err_status_ok))
      goto failed;
    if (G_UNLIKELY (srtp_unprotect (rx, p, &len) != srtp_err_status_ok))
      goto failed;
  }
  t1 = now_ns ();

  g_free (pkts);
  srtp_dealloc (tx);
  srtp_dealloc (rx);
  return (gdouble) (t1 - t0) / n;

failed:
  g_printerr ("raw libsrtp2 round failed\n");
  exit (1);
}

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
median (gdouble * v, guint n)
{
  gdouble *s = g_memdup2 (v, n * sizeof (gdouble));
  gdouble m;

  qsort (s, n, sizeof (gdouble), cmp_double);
  m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  g_free (s);
  return m;
}

static gdouble
minimum (gdouble * v, guint n)
{
  gdouble m = v[0];
  guint i;

  for (i = 1; i < n; i++)
    m = MIN (m, v[i]);
  return m;
}

static gdouble
maximum (gdouble * v, guint n)
{
  gdouble m = v[0];
  guint i;

  for (i = 1; i < n; i++)
    m = MAX (m, v[i]);
  return m;
}

/* Speed of configuration @fast relative to @slow: the median of the
 * per-round ratios (each round measures both within a few hundred ms, so
 * the machine's drift cancels out), and the ratio of the medians */
static void
print_ratio (const gchar * what, gdouble * ns, guint rounds, guint slow,
    guint fast)
{
  gdouble *r = g_new (gdouble, rounds);
  guint i;

  for (i = 0; i < rounds; i++)
    r[i] = ns[slow * rounds + i] / ns[fast * rounds + i];
  g_print ("  ratio %-32s %.2fx (ratio of medians %.2fx, rounds %.2f-%.2f)\n",
      what, median (r, rounds), median (ns + slow * rounds, rounds) /
      median (ns + fast * rounds, rounds), minimum (r, rounds),
      maximum (r, rounds));
  g_free (r);
}

static gboolean
config_enabled (const Config * cfg, gboolean want_lists, gboolean want_raw)
{
  if (cfg->impl == IMPL_PGSM && !have_pgsm)
    return FALSE;
  if (cfg->lists && !want_lists)
    return FALSE;
  if (cfg->impl == IMPL_RAW && !want_raw)
    return FALSE;
  return TRUE;
}

static void
run_throughput (GArray * suite_list, GArray * size_list, guint n, guint rounds,
    guint tailroom, gboolean want_lists, gboolean want_raw)
{
  guint si, zi, ci, r;

  g_print ("# %u packets per measurement, %u interleaved rounds, "
      "%u memor%s and tailroom %u bytes per input packet, %s; figures are "
      "medians over the rounds\n", n, rounds, bench_memories,
      bench_memories == 1 ? "y" : "ies", tailroom,
      bench_clock == CLOCK_MONOTONIC ? "wall-clock time" :
      "CPU time of the thread");

  for (si = 0; si < suite_list->len; si++) {
    Suite suite = g_array_index (suite_list, Suite, si);

    for (zi = 0; zi < size_list->len; zi++) {
      gsize size = g_array_index (size_list, guint, zi);
      gdouble *ns = g_new0 (gdouble, N_CONFIGS * rounds);

      for (r = 0; r < rounds; r++) {
        for (ci = 0; ci < N_CONFIGS; ci++) {
          const Config *cfg = &configs[ci];

          if (!config_enabled (cfg, want_lists, want_raw))
            continue;
          if (cfg->impl == IMPL_RAW)
            ns[ci * rounds + r] = run_raw_round (suite, size, n);
          else
            ns[ci * rounds + r] = run_pair_round (cfg->impl, suite, size,
                cfg->lists, n, tailroom);
        }
      }

      g_print ("\n%s, %" G_GSIZE_FORMAT "-byte RTP packets\n",
          suites[suite].name, size);
      g_print ("  %-36s %12s %10s %12s\n", "configuration (enc+dec)",
          "median ns/pkt", "min ns/pkt", "packets/s");
      for (ci = 0; ci < N_CONFIGS; ci++) {
        const Config *cfg = &configs[ci];

        gdouble med;

        if (!config_enabled (cfg, want_lists, want_raw))
          continue;
        med = median (ns + ci * rounds, rounds);
        g_print ("  %-36s %12.0f %10.0f %12.0f\n", cfg->label, med,
            minimum (ns + ci * rounds, rounds), 1e9 / med);
      }
      if (have_pgsm) {
        print_ratio ("pgsm/gst packets/s, single", ns, rounds, 1, 0);
        if (want_lists) {
          print_ratio ("pgsm/gst packets/s, lists/32", ns, rounds, 3, 2);
          print_ratio ("pgsm lists/32 vs gst single", ns, rounds, 1, 2);
          print_ratio ("pgsm lists/32 vs pgsm single", ns, rounds, 0, 2);
        }
      }
      if (want_lists)
        print_ratio ("gst lists/32 vs gst single", ns, rounds, 1, 3);
      if (want_raw) {
        if (have_pgsm)
          print_ratio ("raw libsrtp2 vs pgsm single", ns, rounds, 0, 4);
        print_ratio ("raw libsrtp2 vs gst single", ns, rounds, 1, 4);
      }
      g_free (ns);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Callgrind mode */

/* The whole enc+dec configuration of the throughput mode, [src pad] ! ENC
 * ! DEC ! fakesink, inside bench_measured_run(): instructions per packet
 * of everything a packet costs there, the measure behind packets/s */
static int
run_callgrind_pair (Impl impl, Suite suite, gsize size, gboolean lists,
    guint n, guint tailroom)
{
  Chain *c;
  Batch b;
  GstFlowReturn ret;
  guint64 before, after;

  if (impl == IMPL_PGSM && !have_pgsm) {
    g_printerr ("pgsmsrtpenc/pgsmsrtpdec not found (GST_PLUGIN_PATH?)\n");
    return 1;
  }
  c = chain_new_pair (impl, suite, size, lists);
  warm_up (c->srcpad, size, tailroom, NULL);
  batch_prepare (&b, n, lists, size, tailroom, NULL);
  before = fakesink_rendered (c);
  ret = bench_measured_run (c->srcpad, &b);
  after = fakesink_rendered (c);
  batch_clear (&b);
  check_bus (c, enc_factory[impl]);
  if (ret != GST_FLOW_OK || after - before != n) {
    g_printerr ("%s+%s: flow %s, %" G_GUINT64_FORMAT " of %u packets "
        "reached fakesink\n", enc_factory[impl], dec_factory[impl],
        gst_flow_get_name (ret), after - before, n);
    return 1;
  }
  chain_free (c);
  g_print ("%s+%s %s %" G_GSIZE_FORMAT " %s packets=%u\n", enc_factory[impl],
      dec_factory[impl], suites[suite].name, size,
      lists ? "lists" : "single", n);
  return 0;
}

static int
run_callgrind (const gchar * factory, Suite suite, gsize size,
    gboolean lists, guint n, guint tailroom)
{
  gboolean is_enc = g_str_has_suffix (factory, "enc");
  srtp_t tx = NULL;
  Chain *c;
  Batch b;
  GstFlowReturn ret;

  if (g_str_equal (factory, "pgsm") || g_str_equal (factory, "gst"))
    return run_callgrind_pair (g_str_equal (factory, "pgsm") ? IMPL_PGSM :
        IMPL_GST, suite, size, lists, n, tailroom);
  if (lists && g_str_equal (factory, "srtpdec")) {
    g_printerr ("srtpdec (GStreamer 1.22) cannot take buffer lists safely: "
        "it uses a freed buffer when its input has another reference\n");
    return 2;
  }
  if (!is_enc)
    tx = raw_session (suite, TRUE);

  c = chain_new_single (factory, suite, size);
  warm_up (c->srcpad, size, tailroom, tx);
  batch_prepare (&b, n, lists, size, tailroom, tx);
  bench_sink_count = 0;
  ret = bench_measured_run (c->srcpad, &b);
  batch_clear (&b);
  check_bus (c, factory);
  if (ret != GST_FLOW_OK || bench_sink_count != n) {
    g_printerr ("%s: flow %s, %" G_GUINT64_FORMAT " of %u packets came out\n",
        factory, gst_flow_get_name (ret), bench_sink_count, n);
    return 1;
  }
  chain_free (c);
  if (tx)
    srtp_dealloc (tx);
  g_print ("%s %s %" G_GSIZE_FORMAT " %s packets=%u\n", factory,
      suites[suite].name, size, lists ? "lists" : "single", n);
  return 0;
}

/* ---------------------------------------------------------------------- */

static gboolean
parse_suites (const gchar * s, GArray * out)
{
  gchar **v = g_strsplit (s, ",", -1);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; v[i]; i++) {
    Suite suite;

    if (!g_ascii_strcasecmp (v[i], "aes-cm") ||
        !g_ascii_strcasecmp (v[i], suites[0].name))
      suite = SUITE_AES_CM_128_HMAC_SHA1_80;
    else if (!g_ascii_strcasecmp (v[i], "gcm") ||
        !g_ascii_strcasecmp (v[i], suites[1].name))
      suite = SUITE_AEAD_AES_128_GCM;
    else {
      g_printerr ("unknown suite '%s' (aes-cm, gcm)\n", v[i]);
      ok = FALSE;
      break;
    }
    g_array_append_val (out, suite);
  }
  g_strfreev (v);
  return ok;
}

static gboolean
parse_sizes (const gchar * s, GArray * out)
{
  gchar **v = g_strsplit (s, ",", -1);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; v[i]; i++) {
    guint64 z;
    guint size;

    if (!g_ascii_string_to_unsigned (v[i], 10, 16, 1400, &z, NULL)) {
      g_printerr ("packet size '%s' must be 16..1400\n", v[i]);
      ok = FALSE;
      break;
    }
    size = z;
    g_array_append_val (out, size);
  }
  g_strfreev (v);
  return ok;
}

int
main (int argc, char **argv)
{
  gchar *opt_suites = NULL, *opt_sizes = NULL, *opt_callgrind = NULL;
  gint opt_packets = 0, opt_rounds = 15, opt_tailroom = 0, opt_memories = 1;
  gboolean opt_lists = FALSE, opt_no_lists = FALSE, opt_no_raw = FALSE;
  gboolean opt_wall = FALSE;
  GOptionEntry entries[] = {
    {"suites", 0, 0, G_OPTION_ARG_STRING, &opt_suites,
        "Comma-separated suites: aes-cm, gcm (default: both)", "LIST"},
    {"sizes", 0, 0, G_OPTION_ARG_STRING, &opt_sizes,
          "Comma-separated RTP packet sizes in bytes (default: 172,1200)",
        "LIST"},
    {"packets", 'n', 0, G_OPTION_ARG_INT, &opt_packets,
          "Packets per measurement (default: 8192; 2048 with --callgrind)",
        "N"},
    {"rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds,
        "Interleaved rounds (default: 15)", "N"},
    {"tailroom", 0, 0, G_OPTION_ARG_INT, &opt_tailroom,
        "Spare bytes after each input packet (default: 0, as RTP payloaders "
          "allocate)", "BYTES"},
    {"memories", 0, 0, G_OPTION_ARG_INT, &opt_memories,
        "Memories per input RTP packet: 1 (default) or 2 (header, payload: "
          "as the audio payloaders make them)", "N"},
    {"wall", 0, 0, G_OPTION_ARG_NONE, &opt_wall,
        "Measure wall-clock time instead of the thread's CPU time", NULL},
    {"no-lists", 0, 0, G_OPTION_ARG_NONE, &opt_no_lists,
        "Skip the buffer-list configurations", NULL},
    {"no-raw", 0, 0, G_OPTION_ARG_NONE, &opt_no_raw,
        "Skip the raw libsrtp2 loop", NULL},
    {"callgrind", 0, 0, G_OPTION_ARG_STRING, &opt_callgrind,
        "Run packets through ELEMENT only (pgsmsrtpenc, pgsmsrtpdec, "
          "srtpenc, srtpdec), or through the whole enc+dec configuration "
          "(pgsm, gst), inside bench_measured_run(), for callgrind; "
          "uses the first of --suites and --sizes", "ELEMENT"},
    {"lists", 0, 0, G_OPTION_ARG_NONE, &opt_lists,
        "With --callgrind: push buffer lists of 32", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *error = NULL;
  GArray *suite_list = g_array_new (FALSE, FALSE, sizeof (Suite));
  GArray *size_list = g_array_new (FALSE, FALSE, sizeof (guint));
  GstRegistry *reg;
  guint n, i;
  int ret = 0;

  ctx = g_option_context_new ("- SRTP element throughput benchmark");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error)) {
    g_printerr ("%s\n", error->message);
    return 2;
  }
  g_option_context_free (ctx);

  if (!parse_suites (opt_suites ? opt_suites : "aes-cm,gcm", suite_list) ||
      !parse_sizes (opt_sizes ? opt_sizes : "172,1200", size_list))
    return 2;
  if (opt_rounds < 1 || opt_packets < 0 || opt_tailroom < 0
      || opt_tailroom > 256 || opt_memories < 1 || opt_memories > 2) {
    g_printerr ("bad --rounds, --packets, --tailroom or --memories\n");
    return 2;
  }
  bench_memories = opt_memories;
  n = opt_packets ? opt_packets : (opt_callgrind ? 2048 : 8192);
  n = (n + LIST_LEN - 1) / LIST_LEN * LIST_LEN;

  for (i = 0; i < G_N_ELEMENTS (bench_key); i++)
    bench_key[i] = (guint8) (0x11 + 13 * i);

  if (opt_wall)
    bench_clock = CLOCK_MONOTONIC;

  reg = gst_registry_get ();
  have_pgsm = gst_registry_check_feature_version (reg, "pgsmsrtpenc", 0, 0, 0)
      && gst_registry_check_feature_version (reg, "pgsmsrtpdec", 0, 0, 0);
  if (!gst_registry_check_feature_version (reg, "srtpenc", 1, 0, 0)) {
    g_printerr ("srtpenc (gst-plugins-bad) not found\n");
    return 1;
  }
  /* Let the plugins initialise libsrtp2 first (ours, then srtpenc's): in
   * libsrtp2 2.5 a second srtp_init() fails with bad_param (its debug
   * module is already registered) although the library is ready. */
  if (have_pgsm)
    gst_object_unref (gst_object_ref_sink (make_element ("pgsmsrtpenc")));
  gst_object_unref (gst_object_ref_sink (make_element ("srtpenc")));
  {
    srtp_err_status_t err = srtp_init ();

    if (err != srtp_err_status_ok && err != srtp_err_status_bad_param) {
      g_printerr ("srtp_init failed: %d\n", err);
      return 1;
    }
  }

  if (opt_callgrind) {
    ret = run_callgrind (opt_callgrind, g_array_index (suite_list, Suite, 0),
        g_array_index (size_list, guint, 0), opt_lists, n, opt_tailroom);
  } else {
    if (!have_pgsm)
      g_print ("# pgsmsrtpenc/pgsmsrtpdec not found in the registry "
          "(GST_PLUGIN_PATH?): their configurations are skipped\n");
    run_throughput (suite_list, size_list, n, opt_rounds, opt_tailroom,
        !opt_no_lists, !opt_no_raw);
  }

  g_array_unref (suite_list);
  g_array_unref (size_list);
  g_free (opt_suites);
  g_free (opt_sizes);
  g_free (opt_callgrind);
  return ret;
}
