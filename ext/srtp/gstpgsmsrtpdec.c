/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pgsmsrtpdec
 * @title: pgsmsrtpdec
 * @see_also: pgsmsrtpenc, srtpdec, rtpbin
 *
 * pgsmsrtpdec checks and decrypts SRTP and SRTCP packets with libsrtp2. It
 * is a drop-in replacement for srtpdec: always pads `rtp_sink`, `rtp_src`,
 * `rtcp_sink` and `rtcp_src`; keys per SSRC from `application/x-srtp` caps
 * (`ssrc`, `srtp-key`, `srtp-cipher`, `srtp-auth`, `srtcp-cipher`,
 * `srtcp-auth`, `roc`, `mki`, `srtp-key2`/`mki2`...), the `request-key`,
 * `soft-limit` and `hard-limit` signals, the `clear-keys` and `remove-key`
 * actions.
 *
 * It also takes the key from its #GstPgsmSrtpDec:key or
 * #GstPgsmSrtpDec:crypto property (then used for every SSRC that has no key
 * of its own), so a launch line needs no caps tricks.
 *
 * Packets that fail authentication, replays, and truncated or garbage
 * packets are dropped and counted per SSRC in #GstPgsmSrtpDec:stats and
 * reported with at most one bus WARNING per SSRC per second; never an
 * error, and good packets that follow keep flowing. Input buffers that
 * someone else also holds (tee, buffer lists) are never modified.
 *
 * Like srtpdec, RTP packets of payload type 64 to 80 arriving on `rtp_sink`
 * are handled as SRTCP (RTCP multiplexed on the RTP port).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 udpsrc port=5004 caps='application/x-srtp,media=audio,clock-rate=8000,encoding-name=PCMU,payload=0' ! \
 *   pgsmsrtpdec crypto="1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4" ! \
 *   rtppcmudepay ! mulawdec ! autoaudiosink
 * ]| Receives and plays a protected PCMU stream.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <arpa/inet.h>
#include <glib/gi18n-lib.h>

#include "gstpgsmsrtpelements.h"
#include "gstpgsmsrtp.h"

GST_DEBUG_CATEGORY_STATIC (gst_pgsm_srtp_dec_debug);
#define GST_CAT_DEFAULT gst_pgsm_srtp_dec_debug

#define DEFAULT_REPLAY_WINDOW_SIZE 128
#define DEFAULT_RTP_CIPHER PGSM_SRTP_CIPHER_AES_128_ICM
#define DEFAULT_RTP_AUTH PGSM_SRTP_AUTH_HMAC_SHA1_80
#define DEFAULT_RTCP_CIPHER PGSM_SRTP_CIPHER_AES_128_ICM
#define DEFAULT_RTCP_AUTH PGSM_SRTP_AUTH_HMAC_SHA1_80
#define WARNING_INTERVAL_US G_USEC_PER_SEC
#define REQUEST_INTERVAL_US G_USEC_PER_SEC
/* Streams (SSRCs) one decoder tracks at most; packets of further SSRCs
 * are dropped and counted as auth-failures in the totals. */
#define MAX_STREAMS 1024

enum
{
  SIGNAL_REQUEST_KEY,
  SIGNAL_CLEAR_KEYS,
  SIGNAL_SOFT_LIMIT,
  SIGNAL_HARD_LIMIT,
  SIGNAL_REMOVE_KEY,
  LAST_SIGNAL
};

enum
{
  PROP_0,
  PROP_REPLAY_WINDOW_SIZE,
  PROP_STATS,
  PROP_MKEY,
  PROP_MKI,
  PROP_CRYPTO,
  PROP_RTP_CIPHER,
  PROP_RTP_AUTH,
  PROP_RTCP_CIPHER,
  PROP_RTCP_AUTH,
};

static GstStaticPadTemplate rtp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtp_sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtp")
    );

static GstStaticPadTemplate rtp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtp_src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtp")
    );

static GstStaticPadTemplate rtcp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-srtcp")
    );

static GstStaticPadTemplate rtcp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("application/x-rtcp")
    );

struct _GstPgsmSrtpDec
{
  GstElement parent;

  GstPad *rtp_sinkpad;
  GstPad *rtp_srcpad;
  GstPad *rtcp_sinkpad;
  GstPad *rtcp_srcpad;

  /* All below protected by object lock */
  guint replay_window_size;
  GstPgsmSrtpKeying prop_keying;        /* key / crypto / cipher properties */
  gboolean have_prop_key;
  gchar *crypto_error;
  GstPgsmSrtpKeying caps_template;      /* caps with keys but no ssrc */
  gboolean have_caps_template;
  guint template_serial;        /* bumped when either template changes */

  srtp_t session;
  guint installed_serial;       /* template_serial in the session */
  gboolean template_installed;  /* a template is in the libsrtp session */
  gboolean template_usable;     /* ... and still configured */
  gboolean template_use_mki;
  guint64 template_lifetime;
  GHashTable *keyings;          /* ssrc -> GstPgsmSrtpKeying from caps */
  GstPgsmSrtpStatsTable stats;
  guint64 recv_count;
  guint64 drop_count;
  guint64 auth_failures;
  guint64 replays;
  guint64 malformed;
  guint64 no_key;
  gint64 anon_last_warning_us;
  GstStructure *last_stats;
};

#define GST_TYPE_PGSM_SRTP_DEC (gst_pgsm_srtp_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmSrtpDec, gst_pgsm_srtp_dec, GST, PGSM_SRTP_DEC,
    GstElement);
G_DEFINE_TYPE (GstPgsmSrtpDec, gst_pgsm_srtp_dec, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pgsmsrtpdec, "pgsmsrtpdec",
    GST_RANK_NONE, GST_TYPE_PGSM_SRTP_DEC, pgsm_srtp_element_init (plugin));

static guint signals[LAST_SIGNAL];

/* What a packet needs once the lock is released */
typedef enum
{
  EV_NONE = 0,
  EV_REQUEST_KEY = 1 << 0,
  EV_SOFT_LIMIT = 1 << 1,
  EV_HARD_LIMIT = 1 << 2,
} DecEvent;

typedef struct
{
  GPtrArray *warnings;          /* GstStructure details to post */
  guint32 ssrc;                 /* SSRC of the last event */
  DecEvent events;
} DecPending;

static void gst_pgsm_srtp_dec_dispose (GObject * object);
static void gst_pgsm_srtp_dec_finalize (GObject * object);
static void gst_pgsm_srtp_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_pgsm_srtp_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_pgsm_srtp_dec_change_state (GstElement *
    element, GstStateChange transition);
static GstFlowReturn gst_pgsm_srtp_dec_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static GstFlowReturn gst_pgsm_srtp_dec_chain_list (GstPad * pad,
    GstObject * parent, GstBufferList * list);
static gboolean gst_pgsm_srtp_dec_sink_event (GstPad * pad,
    GstObject * parent, GstEvent * event);
static gboolean gst_pgsm_srtp_dec_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static GstIterator *gst_pgsm_srtp_dec_iterate_internal_links (GstPad * pad,
    GstObject * parent);
static void gst_pgsm_srtp_dec_clear_keys (GstPgsmSrtpDec * self);
static void gst_pgsm_srtp_dec_remove_key (GstPgsmSrtpDec * self, guint ssrc);
static GstStructure *create_stats_unlocked (GstPgsmSrtpDec * self);

static void
gst_pgsm_srtp_dec_class_init (GstPgsmSrtpDecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->dispose = gst_pgsm_srtp_dec_dispose;
  gobject_class->finalize = gst_pgsm_srtp_dec_finalize;
  gobject_class->set_property = gst_pgsm_srtp_dec_set_property;
  gobject_class->get_property = gst_pgsm_srtp_dec_get_property;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_change_state);

  /**
   * GstPgsmSrtpDec:replay-window-size:
   *
   * Size of the replay protection window, in packets (a crypto attribute's
   * WSH session parameter overrides it).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW_SIZE,
      g_param_spec_uint ("replay-window-size", "Replay window size",
          "Size of the replay protection window",
          64, 0x8000, DEFAULT_REPLAY_WINDOW_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec:stats:
   *
   * A `application/x-srtp-decoder-stats` structure: `recv-count` and
   * `recv-drop-count` (guint64, as srtpdec), `auth-failures`, `replays`,
   * `malformed`, `no-key` (guint64 totals) and `streams`, an array of
   * `application/x-srtp-stream` structures with `ssrc` and `roc` (guint),
   * `packets`, `bytes`, `rtcp-packets`, `rtcp-bytes`, `auth-failures`,
   * `replays`, `malformed`, `no-key` (guint64). Kept after the element
   * stops.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Various statistics",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec:key:
   *
   * Master key || salt used for every SSRC that has no key of its own in
   * caps (see #GstPgsmSrtpDec:rtp-cipher for its ciphers). Mutable in
   * PLAYING: each stream keeps its rollover counter.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKEY,
      g_param_spec_boxed ("key", "Key",
          "Master key || master salt for SSRCs without caps keys",
          GST_TYPE_BUFFER, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * GstPgsmSrtpDec:mki:
   *
   * MKI of #GstPgsmSrtpDec:key (%NULL: packets carry no MKI).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKI,
      g_param_spec_boxed ("mki", "MKI", "Master key Identifier of key",
          GST_TYPE_BUFFER, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstPgsmSrtpDec:crypto:
   *
   * An RFC 4568 `a=crypto` attribute value setting suite, keys (all inline
   * keys, with their MKIs), lifetime and window for every SSRC that has no
   * key of its own in caps. A malformed value is refused with a warning
   * naming the fault, and the element then refuses to start. Write-only.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CRYPTO,
      g_param_spec_string ("crypto", "Crypto attribute",
          "RFC 4568 crypto attribute value for SSRCs without caps keys",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * GstPgsmSrtpDec:rtp-cipher:
   *
   * SRTP cipher used with #GstPgsmSrtpDec:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_CIPHER,
      g_param_spec_enum ("rtp-cipher", "RTP Cipher", "RTP Cipher (with key)",
          PGSM_TYPE_SRTP_CIPHER, DEFAULT_RTP_CIPHER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec:rtp-auth:
   *
   * SRTP authentication used with #GstPgsmSrtpDec:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_AUTH,
      g_param_spec_enum ("rtp-auth", "RTP Authentication",
          "RTP Authentication (with key)", PGSM_TYPE_SRTP_AUTH,
          DEFAULT_RTP_AUTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec:rtcp-cipher:
   *
   * SRTCP cipher used with #GstPgsmSrtpDec:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_CIPHER,
      g_param_spec_enum ("rtcp-cipher", "RTCP Cipher",
          "RTCP Cipher (with key)", PGSM_TYPE_SRTP_CIPHER, DEFAULT_RTCP_CIPHER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec:rtcp-auth:
   *
   * SRTCP authentication used with #GstPgsmSrtpDec:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_AUTH,
      g_param_spec_enum ("rtcp-auth", "RTCP Authentication",
          "RTCP Authentication (with key)", PGSM_TYPE_SRTP_AUTH,
          DEFAULT_RTCP_AUTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpDec::request-key:
   * @element: the element
   * @ssrc: the SSRC of a packet with no key
   *
   * Asks the application for the keys of @ssrc (emitted from the
   * streaming thread, at most once a second per SSRC).
   *
   * Returns: application/x-srtp caps with the keying fields, or %NULL
   *
   * Since: 0.1
   */
  signals[SIGNAL_REQUEST_KEY] =
      g_signal_new ("request-key", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);

  /**
   * GstPgsmSrtpDec::clear-keys:
   * @element: the element
   *
   * Forgets every key received in caps or from signals, with the streams'
   * state. Keys set by properties stay.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CLEAR_KEYS] =
      g_signal_new_class_handler ("clear-keys", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_srtp_dec_clear_keys), NULL, NULL, NULL,
      G_TYPE_NONE, 0);

  /**
   * GstPgsmSrtpDec::soft-limit:
   * @element: the element
   * @ssrc: the SSRC whose key nears its lifetime
   *
   * Returns: new application/x-srtp caps for @ssrc, or %NULL
   *
   * Since: 0.1
   */
  signals[SIGNAL_SOFT_LIMIT] =
      g_signal_new ("soft-limit", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);

  /**
   * GstPgsmSrtpDec::hard-limit:
   * @element: the element
   * @ssrc: the SSRC whose key reached its lifetime
   *
   * Without new caps, the packets of @ssrc are dropped (counted in
   * `no-key`).
   *
   * Returns: new application/x-srtp caps for @ssrc, or %NULL
   *
   * Since: 0.1
   */
  signals[SIGNAL_HARD_LIMIT] =
      g_signal_new ("hard-limit", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, GST_TYPE_CAPS, 1, G_TYPE_UINT);

  /**
   * GstPgsmSrtpDec::remove-key:
   * @element: the element
   * @ssrc: an SSRC
   *
   * Forgets the key and state of @ssrc.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REMOVE_KEY] =
      g_signal_new_class_handler ("remove-key", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_srtp_dec_remove_key), NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_UINT);

  gst_element_class_add_static_pad_template (element_class, &rtp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);

  gst_element_class_set_static_metadata (element_class, "SRTP decoder",
      "Filter/Network/SRTP",
      "Checks and decrypts SRTP and SRTCP (libsrtp2), drop-in for srtpdec",
      "gst-pgsm contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pgsm_srtp_dec_debug, "pgsmsrtpdec", 0,
      "pgsm SRTP decoder");
}

static GstPad *
add_pad (GstPgsmSrtpDec * self, GstStaticPadTemplate * templ)
{
  GstPad *pad = gst_pad_new_from_static_template (templ, templ->name_template);

  if (templ->direction == GST_PAD_SINK) {
    gst_pad_set_chain_function (pad,
        GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_chain));
    gst_pad_set_chain_list_function (pad,
        GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_chain_list));
    gst_pad_set_event_function (pad,
        GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_sink_event));
  } else {
    gst_pad_set_event_function (pad,
        GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_src_event));
  }
  gst_pad_set_iterate_internal_links_function (pad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_dec_iterate_internal_links));
  gst_element_add_pad (GST_ELEMENT (self), pad);
  return pad;
}

static void
free_keying (gpointer data)
{
  gst_pgsm_srtp_keying_clear (data);
  g_free (data);
}

static void
gst_pgsm_srtp_dec_init (GstPgsmSrtpDec * self)
{
  self->rtp_sinkpad = add_pad (self, &rtp_sink_template);
  self->rtp_srcpad = add_pad (self, &rtp_src_template);
  self->rtcp_sinkpad = add_pad (self, &rtcp_sink_template);
  self->rtcp_srcpad = add_pad (self, &rtcp_src_template);

  self->replay_window_size = DEFAULT_REPLAY_WINDOW_SIZE;
  gst_pgsm_srtp_keying_init (&self->prop_keying);
  self->prop_keying.rtp_cipher = DEFAULT_RTP_CIPHER;
  self->prop_keying.rtp_auth = DEFAULT_RTP_AUTH;
  self->prop_keying.rtcp_cipher = DEFAULT_RTCP_CIPHER;
  self->prop_keying.rtcp_auth = DEFAULT_RTCP_AUTH;
  gst_pgsm_srtp_keying_init (&self->caps_template);
  self->template_serial = 1;
  self->keyings = g_hash_table_new_full (NULL, NULL, NULL, free_keying);
  gst_pgsm_srtp_stats_table_init (&self->stats);
}

/* Call with the object lock held */
static void
free_session_unlocked (GstPgsmSrtpDec * self)
{
  if (self->session) {
    srtp_dealloc (self->session);
    self->session = NULL;
  }
  self->template_installed = FALSE;
  self->template_usable = FALSE;
  self->installed_serial = 0;
  g_hash_table_remove_all (self->keyings);
  if (self->stats.table) {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->stats.table);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      ((GstPgsmSrtpSsrcStats *) value)->has_own_keying = FALSE;
  }
}

static void
gst_pgsm_srtp_dec_dispose (GObject * object)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (object);

  GST_OBJECT_LOCK (self);
  free_session_unlocked (self);
  GST_OBJECT_UNLOCK (self);

  G_OBJECT_CLASS (gst_pgsm_srtp_dec_parent_class)->dispose (object);
}

static void
gst_pgsm_srtp_dec_finalize (GObject * object)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (object);

  gst_pgsm_srtp_keying_clear (&self->prop_keying);
  gst_pgsm_srtp_keying_clear (&self->caps_template);
  g_clear_pointer (&self->keyings, g_hash_table_unref);
  gst_pgsm_srtp_stats_table_clear (&self->stats);
  g_clear_pointer (&self->last_stats, gst_structure_free);
  g_clear_pointer (&self->crypto_error, g_free);

  G_OBJECT_CLASS (gst_pgsm_srtp_dec_parent_class)->finalize (object);
}

static void
gst_pgsm_srtp_dec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (object);
  GstPgsmSrtpKeying *k = &self->prop_keying;
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_REPLAY_WINDOW_SIZE:
      self->replay_window_size = g_value_get_uint (value);
      break;
    case PROP_MKEY:{
      GstBuffer *buf = g_value_get_boxed (value);
      GBytes *mki = k->n_keys ? k->keys[0].mki : NULL;

      if (mki)
        g_bytes_ref (mki);
      gst_pgsm_srtp_keying_clear (k);
      k->keys[0].key = gst_pgsm_srtp_secret_from_buffer (buf);
      k->keys[0].mki = mki;
      k->n_keys = (k->keys[0].key || mki) ? 1 : 0;
      k->lifetime = 0;
      self->have_prop_key = k->keys[0].key != NULL;
      g_clear_pointer (&self->crypto_error, g_free);
      GST_INFO_OBJECT (self, "master key set (%" G_GSIZE_FORMAT " bytes)",
          buf ? gst_buffer_get_size (buf) : 0);
      break;
    }
    case PROP_MKI:{
      GstBuffer *buf = g_value_get_boxed (value);

      g_clear_pointer (&k->keys[0].mki, g_bytes_unref);
      if (buf && gst_buffer_get_size (buf) > 0) {
        k->keys[0].mki = gst_pgsm_srtp_secret_from_buffer (buf);
        if (k->n_keys == 0)
          k->n_keys = 1;
      }
      break;
    }
    case PROP_CRYPTO:{
      GstPgsmSrtpKeying nk;

      gst_pgsm_srtp_keying_init (&nk);
      if (gst_pgsm_srtp_keying_from_crypto (&nk, g_value_get_string (value),
              &error)) {
        gst_pgsm_srtp_keying_clear (k);
        *k = nk;
        self->have_prop_key = TRUE;
        g_clear_pointer (&self->crypto_error, g_free);
        GST_INFO_OBJECT (self, "crypto attribute set: %u key(s)", nk.n_keys);
      } else {
        gst_pgsm_srtp_keying_clear (&nk);
        g_free (self->crypto_error);
        self->crypto_error = g_strdup (error->message);
      }
      break;
    }
    case PROP_RTP_CIPHER:
      k->rtp_cipher = g_value_get_enum (value);
      break;
    case PROP_RTP_AUTH:
      k->rtp_auth = g_value_get_enum (value);
      break;
    case PROP_RTCP_CIPHER:
      k->rtcp_cipher = g_value_get_enum (value);
      break;
    case PROP_RTCP_AUTH:
      k->rtcp_auth = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (prop_id != PROP_REPLAY_WINDOW_SIZE)
    self->template_serial++;
  GST_OBJECT_UNLOCK (self);

  if (error) {
    g_warning ("%s: crypto property refused: %s", GST_OBJECT_NAME (self),
        error->message);
    g_error_free (error);
  }
}

static void
gst_pgsm_srtp_dec_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (object);
  GstPgsmSrtpKeying *k = &self->prop_keying;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_REPLAY_WINDOW_SIZE:
      g_value_set_uint (value, self->replay_window_size);
      break;
    case PROP_STATS:
      if (self->session == NULL && self->last_stats)
        g_value_set_boxed (value, self->last_stats);
      else
        g_value_take_boxed (value, create_stats_unlocked (self));
      break;
    case PROP_MKEY:
      g_value_take_boxed (value, k->n_keys ?
          gst_pgsm_srtp_buffer_from_bytes (k->keys[0].key) : NULL);
      break;
    case PROP_MKI:
      g_value_take_boxed (value, k->n_keys ?
          gst_pgsm_srtp_buffer_from_bytes (k->keys[0].mki) : NULL);
      break;
    case PROP_RTP_CIPHER:
      g_value_set_enum (value, k->rtp_cipher);
      break;
    case PROP_RTP_AUTH:
      g_value_set_enum (value, k->rtp_auth);
      break;
    case PROP_RTCP_CIPHER:
      g_value_set_enum (value, k->rtcp_cipher);
      break;
    case PROP_RTCP_AUTH:
      g_value_set_enum (value, k->rtcp_auth);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Call with the object lock held */
static GstStructure *
create_stats_unlocked (GstPgsmSrtpDec * self)
{
  GstStructure *s;
  GValue va = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  GHashTableIter iter;
  gpointer value;

  s = gst_structure_new ("application/x-srtp-decoder-stats",
      "recv-count", G_TYPE_UINT64, self->recv_count,
      "recv-drop-count", G_TYPE_UINT64, self->drop_count,
      "auth-failures", G_TYPE_UINT64, self->auth_failures,
      "replays", G_TYPE_UINT64, self->replays,
      "malformed", G_TYPE_UINT64, self->malformed,
      "no-key", G_TYPE_UINT64, self->no_key, NULL);
  g_value_init (&va, GST_TYPE_ARRAY);
  g_value_init (&v, GST_TYPE_STRUCTURE);
  if (self->stats.table) {
    g_hash_table_iter_init (&iter, self->stats.table);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      GstPgsmSrtpSsrcStats *st = value;
      guint32 roc = 0;

      if (self->session)
        srtp_get_stream_roc (self->session, st->ssrc, &roc);
      g_value_take_boxed (&v, gst_structure_new ("application/x-srtp-stream",
              "ssrc", G_TYPE_UINT, st->ssrc, "roc", G_TYPE_UINT, roc,
              "packets", G_TYPE_UINT64, st->packets,
              "bytes", G_TYPE_UINT64, st->bytes,
              "rtcp-packets", G_TYPE_UINT64, st->rtcp_packets,
              "rtcp-bytes", G_TYPE_UINT64, st->rtcp_bytes,
              "auth-failures", G_TYPE_UINT64, st->auth_failures,
              "replays", G_TYPE_UINT64, st->replays,
              "malformed", G_TYPE_UINT64, st->malformed,
              "no-key", G_TYPE_UINT64, st->no_key, NULL));
      gst_value_array_append_value (&va, &v);
    }
  }
  gst_structure_take_value (s, "streams", &va);
  g_value_unset (&v);
  return s;
}

static guint
window_for (GstPgsmSrtpDec * self, const GstPgsmSrtpKeying * k)
{
  guint w = k->window_size ? k->window_size : self->replay_window_size;

  return CLAMP (w, 64, 0x8000);
}

/* Call with the object lock held */
static gboolean
ensure_session_unlocked (GstPgsmSrtpDec * self)
{
  if (self->session == NULL) {
    srtp_err_status_t ret = srtp_create (&self->session, NULL);

    if (ret != srtp_err_status_ok) {
      GST_ERROR_OBJECT (self, "srtp_create failed: %s",
          gst_pgsm_srtp_status_to_string (ret));
      self->session = NULL;
      return FALSE;
    }
  }
  return TRUE;
}

/* Installs the any-SSRC keying from properties or caps without ssrc.
 * Call with the object lock held. */
static void
update_template_unlocked (GstPgsmSrtpDec * self)
{
  const GstPgsmSrtpKeying *k = NULL;
  GstPgsmSrtpPolicy p;
  srtp_err_status_t ret;

  if (G_LIKELY (self->installed_serial == self->template_serial))
    return;
  self->installed_serial = self->template_serial;
  /* fail closed: a removed or unusable key stops decryption at once (the
   * libsrtp template stays, but no packet reaches it) */
  self->template_usable = FALSE;

  if (self->have_caps_template)
    k = &self->caps_template;
  else if (self->have_prop_key && self->crypto_error == NULL)
    k = &self->prop_keying;
  if (k == NULL || !gst_pgsm_srtp_keying_validate (k, NULL) ||
      !gst_pgsm_srtp_policy_fill (&p, k, ssrc_any_inbound, 0,
          window_for (self, k), FALSE))
    return;

  /* srtp_update keeps the packet index (hence ROC) of every stream */
  if (self->template_installed)
    ret = srtp_update (self->session, &p.policy);
  else
    ret = srtp_add_stream (self->session, &p.policy);
  memset (&p, 0, sizeof (p));
  if (ret != srtp_err_status_ok) {
    GST_WARNING_OBJECT (self, "libsrtp2 refused the key: %s",
        gst_pgsm_srtp_status_to_string (ret));
    return;
  }
  self->template_installed = TRUE;
  self->template_usable = TRUE;
  self->template_use_mki = k->n_keys > 0 && k->keys[0].mki != NULL;
  self->template_lifetime = k->lifetime;
  if (self->stats.table) {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->stats.table);
    while (g_hash_table_iter_next (&iter, NULL, &value)) {
      GstPgsmSrtpSsrcStats *st = value;

      if (!st->has_own_keying) {
        st->key_packets = 0;
        st->soft_limit_signalled = st->hard_limit_reached = FALSE;
      }
    }
  }
  GST_DEBUG_OBJECT (self, "any-SSRC key installed (%u key(s))", k->n_keys);
}

/* Installs the keying of @ssrc from caps. Call with the object lock held. */
static gboolean
set_stream_keying_unlocked (GstPgsmSrtpDec * self, guint32 ssrc,
    const GstStructure * s)
{
  GstPgsmSrtpKeying *k, *old;
  GstPgsmSrtpPolicy p;
  GstPgsmSrtpSsrcStats *st;
  srtp_err_status_t ret;
  GError *error = NULL;
  guint32 roc;
  gboolean exists;

  if (!ensure_session_unlocked (self))
    return FALSE;
  k = g_new0 (GstPgsmSrtpKeying, 1);
  gst_pgsm_srtp_keying_init (k);
  if (!gst_pgsm_srtp_keying_from_structure (k, s, &error)) {
    GST_WARNING_OBJECT (self, "unusable keys in caps for SSRC 0x%08x: %s",
        ssrc, error->message);
    g_error_free (error);
    free_keying (k);
    return FALSE;
  }
  old = g_hash_table_lookup (self->keyings, GUINT_TO_POINTER (ssrc));
  if (old && gst_pgsm_srtp_keying_equal (old, k)) {
    free_keying (k);
    return TRUE;
  }
  gst_pgsm_srtp_policy_fill (&p, k, ssrc_specific, ssrc,
      window_for (self, k), FALSE);
  exists = srtp_get_stream_roc (self->session, ssrc, &roc) ==
      srtp_err_status_ok;
  /* an existing stream keeps its packet index (srtp_update_stream) */
  if (exists)
    ret = srtp_update_stream (self->session, &p.policy);
  else
    ret = srtp_add_stream (self->session, &p.policy);
  memset (&p, 0, sizeof (p));
  if (ret != srtp_err_status_ok) {
    GST_WARNING_OBJECT (self, "libsrtp2 refused the keys of SSRC 0x%08x: %s",
        ssrc, gst_pgsm_srtp_status_to_string (ret));
    free_keying (k);
    return FALSE;
  }
  if (!exists && k->roc)
    srtp_set_stream_roc (self->session, ssrc, k->roc);
  st = gst_pgsm_srtp_stats_table_get (&self->stats, ssrc);
  st->has_own_keying = TRUE;
  st->own_use_mki = k->n_keys > 0 && k->keys[0].mki != NULL;
  st->own_lifetime = k->lifetime;
  st->key_packets = 0;
  st->soft_limit_signalled = st->hard_limit_reached = FALSE;
  GST_DEBUG_OBJECT (self, "keys for SSRC 0x%08x installed (%u key(s), "
      "roc %u)", ssrc, k->n_keys, k->roc);
  g_hash_table_replace (self->keyings, GUINT_TO_POINTER (ssrc), k);
  return TRUE;
}

typedef enum
{
  UNPROTECT_OK,
  UNPROTECT_DROP,
  UNPROTECT_NEED_KEY,
} UnprotectResult;

/* Call with the object lock held: queues at most one warning per SSRC
 * per second */
static void
maybe_warn_unlocked (GstPgsmSrtpDec * self, GstPgsmSrtpSsrcStats * st,
    gboolean have_ssrc, DecPending * pending)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *last = have_ssrc ? &st->last_warning_us : &self->anon_last_warning_us;

  if (*last != 0 && now - *last < WARNING_INTERVAL_US)
    return;
  *last = now;
  if (pending->warnings == NULL)
    pending->warnings =
        g_ptr_array_new_with_free_func ((GDestroyNotify) gst_structure_free);
  if (have_ssrc)
    g_ptr_array_add (pending->warnings,
        gst_structure_new ("pgsm-srtp-dropped", "ssrc", G_TYPE_UINT, st->ssrc,
            "auth-failures", G_TYPE_UINT64, st->auth_failures,
            "replays", G_TYPE_UINT64, st->replays,
            "malformed", G_TYPE_UINT64, st->malformed, NULL));
  else
    g_ptr_array_add (pending->warnings,
        gst_structure_new ("pgsm-srtp-dropped",
            "malformed", G_TYPE_UINT64, self->malformed, NULL));
}

/* Unmaps the packet of a dropped buffer, leaving it as it came */
static void
release_packet (GstPgsmSrtpPacket * pkt, gsize size)
{
  if (pkt->mem)
    gst_pgsm_srtp_packet_unmap (pkt, size, FALSE);
}

/* Counts a failed packet. Call with the object lock held. */
static void
count_failure_unlocked (GstPgsmSrtpDec * self, GstPgsmSrtpSsrcStats * st,
    srtp_err_status_t ret, gboolean is_rtcp, gsize size, DecPending * pending)
{
  self->drop_count++;
  switch (ret) {
    case srtp_err_status_auth_fail:
      st->auth_failures++;
      self->auth_failures++;
      break;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
    case srtp_err_status_pkt_idx_old:
      st->replays++;
      self->replays++;
      break;
    default:
      st->malformed++;
      self->malformed++;
      break;
  }
  GST_LOG_OBJECT (self, "dropped a %" G_GSIZE_FORMAT "-byte %s packet of "
      "SSRC 0x%08x: %s", size, is_rtcp ? "SRTCP" : "SRTP", st->ssrc,
      gst_pgsm_srtp_status_to_string (ret));
  maybe_warn_unlocked (self, st, TRUE, pending);
}

/* Checks and decrypts @buf (not consumed), which must be ours
 * (GST_PGSM_SRTP_BUFFER_IS_OURS()), in place: in its own memory when no
 * one else holds that, otherwise in a copy that replaces it
 * (gst_pgsm_srtp_map_packet()). Call with the object lock held. */
static UnprotectResult
unprotect_unlocked (GstPgsmSrtpDec * self, GstBuffer * buf,
    gboolean is_rtcp, DecPending * pending)
{
  GstPgsmSrtpSsrcStats *st;
  GstPgsmSrtpPacket pkt;
  srtp_err_status_t ret;
  gsize size = gst_buffer_get_size (buf);
  guint32 ssrc;
  guint64 lifetime;
  int len;

  pkt.mem = NULL;               /* nothing mapped yet: see release_packet() */
  self->recv_count++;
  if (G_UNLIKELY (!ensure_session_unlocked (self)))
    goto drop_anon;
  update_template_unlocked (self);

  if (G_UNLIKELY (size < 8))
    goto drop_anon;
  /* a shared memory is rare here (a buffer someone else holds): it is
   * replaced by system memory, nothing to recycle */
  if (G_UNLIKELY (!gst_pgsm_srtp_packet_map (&pkt, buf, size, size, NULL,
              FALSE))) {
    pkt.mem = NULL;
    goto drop_anon;
  }

  /* as srtpdec: RTP payload types 64-80 are RTCP sent on the RTP port */
  if (!is_rtcp && size >= 2 && (pkt.data[1] & 0x7f) >= 64 &&
      (pkt.data[1] & 0x7f) <= 80)
    is_rtcp = TRUE;
  if (G_UNLIKELY (!gst_pgsm_srtp_read_ssrc (pkt.data, size, is_rtcp, &ssrc)))
    goto drop_anon;

  st = gst_pgsm_srtp_stats_table_lookup (&self->stats, ssrc);
  if (G_UNLIKELY (st == NULL)) {
    /* An SSRC gets its entry before its first packet is authenticated:
     * bound the table, or forged packets with random SSRCs would grow it
     * without limit. */
    if (gst_pgsm_srtp_stats_table_size (&self->stats) >= MAX_STREAMS)
      goto drop_too_many_streams;
    st = gst_pgsm_srtp_stats_table_get (&self->stats, ssrc);
  }
  if (G_UNLIKELY (!st->has_own_keying && !self->template_usable)) {
    gint64 now = g_get_monotonic_time ();

    release_packet (&pkt, size);
    /* ask the application when it listens, at most once a second */
    if (g_signal_has_handler_pending (self, signals[SIGNAL_REQUEST_KEY], 0,
            TRUE) && (st->last_request_us == 0 ||
            now - st->last_request_us >= REQUEST_INTERVAL_US)) {
      st->last_request_us = now;
      pending->ssrc = ssrc;
      pending->events |= EV_REQUEST_KEY;
      self->recv_count--;
      return UNPROTECT_NEED_KEY;
    }
    st->no_key++;
    self->no_key++;
    self->drop_count++;
    return UNPROTECT_DROP;
  }
  lifetime = st->has_own_keying ? st->own_lifetime : self->template_lifetime;
  if (G_UNLIKELY (lifetime && st->key_packets >= lifetime)) {
    release_packet (&pkt, size);
    if (!st->hard_limit_reached) {
      st->hard_limit_reached = TRUE;
      pending->ssrc = ssrc;
      pending->events |= EV_HARD_LIMIT;
    }
    st->no_key++;
    self->no_key++;
    self->drop_count++;
    return UNPROTECT_DROP;
  }

  len = size;
  if (is_rtcp)
    ret = srtp_unprotect_rtcp_mki (self->session, pkt.data, &len,
        st->has_own_keying ? st->own_use_mki : self->template_use_mki);
  else
    ret = srtp_unprotect_mki (self->session, pkt.data, &len,
        st->has_own_keying ? st->own_use_mki : self->template_use_mki);
  if (G_UNLIKELY (ret != srtp_err_status_ok)) {
    /* the caller drops the buffer: its content does not matter */
    gst_pgsm_srtp_packet_unmap (&pkt, size, FALSE);
    if (ret == srtp_err_status_key_expired) {
      st->hard_limit_reached = TRUE;
      pending->ssrc = ssrc;
      pending->events |= EV_HARD_LIMIT;
      st->no_key++;
      self->no_key++;
      self->drop_count++;
      return UNPROTECT_DROP;
    }
    count_failure_unlocked (self, st, ret, is_rtcp, size, pending);
    return UNPROTECT_DROP;
  }

  gst_pgsm_srtp_packet_unmap (&pkt, len, TRUE);
  if (is_rtcp) {
    st->rtcp_packets++;
    st->rtcp_bytes += len;
  } else {
    st->packets++;
    st->bytes += len;
  }
  st->key_packets++;
  if (G_UNLIKELY (lifetime && !st->soft_limit_signalled &&
          st->key_packets >= lifetime - MAX (1, lifetime / 16))) {
    st->soft_limit_signalled = TRUE;
    pending->ssrc = ssrc;
    pending->events |= EV_SOFT_LIMIT;
  }
  return UNPROTECT_OK;

drop_too_many_streams:
  release_packet (&pkt, size);
  self->auth_failures++;
  self->drop_count++;
  GST_LOG_OBJECT (self, "dropped a packet of SSRC 0x%08x: already %u "
      "streams", ssrc, MAX_STREAMS);
  maybe_warn_unlocked (self, NULL, FALSE, pending);
  return UNPROTECT_DROP;

drop_anon:
  release_packet (&pkt, size);
  self->malformed++;
  self->drop_count++;
  GST_LOG_OBJECT (self, "dropped a %" G_GSIZE_FORMAT "-byte packet that is "
      "not %s", size, is_rtcp ? "SRTCP" : "SRTP");
  maybe_warn_unlocked (self, NULL, FALSE, pending);
  return UNPROTECT_DROP;
}

/* Emits the signals and posts the warnings a batch of packets queued.
 * Called without the lock. Returns TRUE when new keys were installed. */
static gboolean
handle_pending (GstPgsmSrtpDec * self, DecPending * pending)
{
  gboolean rekeyed = FALSE;
  guint i;

  if (pending->warnings) {
    for (i = 0; i < pending->warnings->len; i++) {
      GstStructure *d = g_ptr_array_index (pending->warnings, i);
      guint ssrc = 0;
      guint64 a = 0, r = 0, m = 0;

      gst_structure_get_uint (d, "ssrc", &ssrc);
      gst_structure_get_uint64 (d, "auth-failures", &a);
      gst_structure_get_uint64 (d, "replays", &r);
      gst_structure_get_uint64 (d, "malformed", &m);
      GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, DECRYPT,
          (_("Dropped SRTP packets that failed authentication, replay or "
                  "format checks.")),
          ("SSRC 0x%08x: %" G_GUINT64_FORMAT " authentication failures, %"
              G_GUINT64_FORMAT " replays, %" G_GUINT64_FORMAT " malformed "
              "so far", ssrc, a, r, m), ("ssrc", G_TYPE_UINT, ssrc,
              "auth-failures", G_TYPE_UINT64, a, "replays", G_TYPE_UINT64, r,
              "malformed", G_TYPE_UINT64, m, NULL));
    }
    g_clear_pointer (&pending->warnings, g_ptr_array_unref);
  }

  if (pending->events & (EV_REQUEST_KEY | EV_SOFT_LIMIT | EV_HARD_LIMIT)) {
    guint sig = (pending->events & EV_REQUEST_KEY) ? SIGNAL_REQUEST_KEY :
        (pending->events & EV_HARD_LIMIT) ? SIGNAL_HARD_LIMIT :
        SIGNAL_SOFT_LIMIT;
    GstCaps *caps = NULL;

    g_signal_emit (self, signals[sig], 0, pending->ssrc, &caps);
    if (caps) {
      if (gst_caps_get_size (caps) > 0) {
        GST_OBJECT_LOCK (self);
        rekeyed = set_stream_keying_unlocked (self, pending->ssrc,
            gst_caps_get_structure (caps, 0));
        GST_OBJECT_UNLOCK (self);
      }
      gst_caps_unref (caps);
    }
    if (!rekeyed && (pending->events & EV_REQUEST_KEY)) {
      GstPgsmSrtpSsrcStats *st;

      GST_OBJECT_LOCK (self);
      st = gst_pgsm_srtp_stats_table_get (&self->stats, pending->ssrc);
      st->no_key++;
      self->no_key++;
      self->drop_count++;
      self->recv_count++;
      GST_OBJECT_UNLOCK (self);
      GST_DEBUG_OBJECT (self, "no key for SSRC 0x%08x", pending->ssrc);
    }
  }
  pending->events = EV_NONE;
  return rekeyed;
}

static GstPad *
src_pad_for (GstPgsmSrtpDec * self, GstPad * sinkpad)
{
  return sinkpad == self->rtp_sinkpad ? self->rtp_srcpad : self->rtcp_srcpad;
}

static GstFlowReturn
gst_pgsm_srtp_dec_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  /* the pad's parent is always our element: no checked cast per packet */
  GstPgsmSrtpDec *self = (GstPgsmSrtpDec *) parent;
  gboolean is_rtcp = pad == self->rtcp_sinkpad;
  DecPending pending = { NULL, 0, EV_NONE };
  UnprotectResult r;

  if (G_UNLIKELY (!GST_PGSM_SRTP_BUFFER_IS_OURS (buf)))
    buf = gst_buffer_make_writable (buf);

  GST_OBJECT_LOCK (self);
  r = unprotect_unlocked (self, buf, is_rtcp, &pending);
  GST_OBJECT_UNLOCK (self);
  if (G_UNLIKELY (pending.events || pending.warnings)) {
    if (handle_pending (self, &pending) && r == UNPROTECT_NEED_KEY) {
      GST_OBJECT_LOCK (self);
      r = unprotect_unlocked (self, buf, is_rtcp, &pending);
      GST_OBJECT_UNLOCK (self);
      handle_pending (self, &pending);
    }
  }
  if (G_UNLIKELY (r != UNPROTECT_OK)) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  return gst_pad_push (src_pad_for (self, pad), buf);
}

/* The whole list in one pass under one lock (released only to emit a
 * signal or post a warning), in place: each buffer keeps its place in the
 * list (a shared one is first replaced by a writable copy); only dropped
 * packets are removed. */
static GstFlowReturn
gst_pgsm_srtp_dec_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstPgsmSrtpDec *self = (GstPgsmSrtpDec *) parent;
  gboolean is_rtcp = pad == self->rtcp_sinkpad;
  DecPending pending = { NULL, 0, EV_NONE };
  guint i, n;

  list = gst_buffer_list_make_writable (list);
  n = gst_buffer_list_length (list);
  GST_OBJECT_LOCK (self);
  for (i = 0; i < n;) {
    GstBuffer *buf = gst_buffer_list_get (list, i);
    UnprotectResult r;

    /* the list is ours: a buffer only it holds is ours too */
    if (G_UNLIKELY (!GST_PGSM_SRTP_BUFFER_IS_OURS (buf)))
      buf = gst_buffer_list_get_writable (list, i);
    r = unprotect_unlocked (self, buf, is_rtcp, &pending);
    if (G_UNLIKELY (pending.events)) {
      gboolean rekeyed;

      GST_OBJECT_UNLOCK (self);
      rekeyed = handle_pending (self, &pending);
      GST_OBJECT_LOCK (self);
      if (rekeyed && r == UNPROTECT_NEED_KEY)
        continue;               /* retry this packet with its new key */
    }
    if (G_LIKELY (r == UNPROTECT_OK)) {
      i++;
      continue;
    }
    gst_buffer_list_remove (list, i, 1);
    n--;
  }
  GST_OBJECT_UNLOCK (self);
  if (pending.warnings)
    handle_pending (self, &pending);

  if (n == 0) {
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  return gst_pad_push_list (src_pad_for (self, pad), list);
}

static gboolean
gst_pgsm_srtp_dec_sink_caps (GstPgsmSrtpDec * self, GstPad * pad,
    GstCaps * caps)
{
  GstStructure *s;
  GstEvent *event;
  GstCaps *out;
  guint ssrc;
  gboolean is_rtcp = pad == self->rtcp_sinkpad;

  if (gst_caps_get_size (caps) == 0)
    return FALSE;
  s = gst_caps_get_structure (caps, 0);
  if (gst_structure_has_field (s, "srtp-cipher")) {
    GST_OBJECT_LOCK (self);
    if (gst_structure_get_uint (s, "ssrc", &ssrc)) {
      set_stream_keying_unlocked (self, ssrc, s);
    } else {
      GError *error = NULL;
      GstPgsmSrtpKeying k;

      gst_pgsm_srtp_keying_init (&k);
      if (gst_pgsm_srtp_keying_from_structure (&k, s, &error)) {
        gst_pgsm_srtp_keying_clear (&self->caps_template);
        self->caps_template = k;
        self->have_caps_template = TRUE;
        self->template_serial++;
        GST_DEBUG_OBJECT (self, "any-SSRC keys from caps (%u key(s))",
            k.n_keys);
      } else {
        gst_pgsm_srtp_keying_clear (&k);
        GST_WARNING_OBJECT (self, "unusable keys in caps: %s", error->message);
        g_error_free (error);
      }
    }
    GST_OBJECT_UNLOCK (self);
  }

  out = gst_pgsm_srtp_caps_strip (caps,
      is_rtcp ? "application/x-rtcp" : "application/x-rtp");
  event = gst_event_new_caps (out);
  gst_caps_unref (out);
  return gst_pad_push_event (src_pad_for (self, pad), event);
}

static gboolean
gst_pgsm_srtp_dec_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps;
    gboolean ret;

    gst_event_parse_caps (event, &caps);
    ret = gst_pgsm_srtp_dec_sink_caps (self, pad, caps);
    gst_event_unref (event);
    return ret;
  }
  return gst_pad_push_event (src_pad_for (self, pad), event);
}

static gboolean
gst_pgsm_srtp_dec_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (parent);

  return gst_pad_push_event (pad == self->rtp_srcpad ? self->rtp_sinkpad :
      self->rtcp_sinkpad, event);
}

static GstIterator *
gst_pgsm_srtp_dec_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (parent);
  GstPad *other;
  GValue v = G_VALUE_INIT;
  GstIterator *it;

  if (pad == self->rtp_sinkpad)
    other = self->rtp_srcpad;
  else if (pad == self->rtp_srcpad)
    other = self->rtp_sinkpad;
  else if (pad == self->rtcp_sinkpad)
    other = self->rtcp_srcpad;
  else
    other = self->rtcp_sinkpad;
  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

static void
gst_pgsm_srtp_dec_clear_keys (GstPgsmSrtpDec * self)
{
  GST_OBJECT_LOCK (self);
  free_session_unlocked (self);
  gst_pgsm_srtp_keying_clear (&self->caps_template);
  self->have_caps_template = FALSE;
  self->template_serial++;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "keys from caps and signals cleared");
}

static void
gst_pgsm_srtp_dec_remove_key (GstPgsmSrtpDec * self, guint ssrc)
{
  GST_OBJECT_LOCK (self);
  if (self->session &&
      g_hash_table_remove (self->keyings, GUINT_TO_POINTER (ssrc))) {
    GstPgsmSrtpSsrcStats *st;

    srtp_remove_stream (self->session, htonl (ssrc));
    st = gst_pgsm_srtp_stats_table_get (&self->stats, ssrc);
    st->has_own_keying = FALSE;
  }
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "key of SSRC 0x%08x removed", ssrc);
}

static GstStateChangeReturn
gst_pgsm_srtp_dec_change_state (GstElement * element, GstStateChange transition)
{
  GstPgsmSrtpDec *self = GST_PGSM_SRTP_DEC (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    gchar *fault = NULL;
    gboolean ok;

    GST_OBJECT_LOCK (self);
    if (self->crypto_error)
      fault = g_strdup_printf ("the crypto property was refused: %s",
          self->crypto_error);
    else if (self->have_prop_key &&
        !gst_pgsm_srtp_keying_validate (&self->prop_keying, NULL))
      fault = g_strdup ("the key property does not match the ciphers");
    ok = fault == NULL && ensure_session_unlocked (self);
    gst_pgsm_srtp_stats_table_clear (&self->stats);
    gst_pgsm_srtp_stats_table_init (&self->stats);
    g_clear_pointer (&self->last_stats, gst_structure_free);
    self->recv_count = self->drop_count = self->auth_failures = 0;
    self->replays = self->malformed = self->no_key = 0;
    self->anon_last_warning_us = 0;
    GST_OBJECT_UNLOCK (self);
    if (!ok) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          (_("Cannot check the stream: no usable SRTP key.")), ("%s",
              fault ? fault : "libsrtp2 failed to create a session"));
      g_free (fault);
      return GST_STATE_CHANGE_FAILURE;
    }
  }

  ret = GST_ELEMENT_CLASS (gst_pgsm_srtp_dec_parent_class)->change_state
      (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    GST_OBJECT_LOCK (self);
    g_clear_pointer (&self->last_stats, gst_structure_free);
    self->last_stats = create_stats_unlocked (self);
    free_session_unlocked (self);
    GST_OBJECT_UNLOCK (self);
  }
  return ret;
}
