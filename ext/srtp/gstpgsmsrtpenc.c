/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pgsmsrtpenc
 * @title: pgsmsrtpenc
 * @see_also: pgsmsrtpdec, srtpenc, rtpbin
 *
 * pgsmsrtpenc protects RTP and RTCP packets with SRTP/SRTCP (RFC 3711,
 * RFC 6188, RFC 7714) using libsrtp2. It is a drop-in replacement for
 * srtpenc: the same request pads (`rtp_sink_%u`/`rtp_src_%u`,
 * `rtcp_sink_%u`/`rtcp_src_%u`), the same `application/x-srtp` caps
 * fields, the same properties and the `soft-limit` signal, so rtpbin's
 * `request-rtp-encoder` and `request-rtcp-encoder` signals can hand it out.
 *
 * On top of srtpenc it takes an RFC 4568 `crypto` attribute value (suite,
 * key, lifetime and MKI in one string), never puts the master key in its
 * output caps unless #GstPgsmSrtpEnc:key-in-caps is set, never writes key
 * bytes to the debug log, keeps each stream's rollover counter across key
 * changes, refuses to go to PAUSED without a usable key, and protects
 * packets in place when their buffer allows it.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! mulawenc ! rtppcmupay ! \
 *   'application/x-rtp,ssrc=(uint)1356955624' ! \
 *   pgsmsrtpenc crypto="1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4" ! \
 *   udpsink host=127.0.0.1 port=5004
 * ]| Protects a PCMU stream with the given key and sends it over UDP.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <sys/random.h>
#include <glib/gi18n-lib.h>

#include "gstpgsmsrtpelements.h"
#include "gstpgsmsrtp.h"

GST_DEBUG_CATEGORY_STATIC (gst_pgsm_srtp_enc_debug);
#define GST_CAT_DEFAULT gst_pgsm_srtp_enc_debug

#define DEFAULT_RTP_CIPHER PGSM_SRTP_CIPHER_AES_128_ICM
#define DEFAULT_RTP_AUTH PGSM_SRTP_AUTH_HMAC_SHA1_80
#define DEFAULT_RTCP_CIPHER PGSM_SRTP_CIPHER_AES_128_ICM
#define DEFAULT_RTCP_AUTH PGSM_SRTP_AUTH_HMAC_SHA1_80
#define DEFAULT_RANDOM_KEY FALSE
#define DEFAULT_REPLAY_WINDOW_SIZE 128
#define DEFAULT_ALLOW_REPEAT_TX FALSE
#define DEFAULT_KEY_IN_CAPS FALSE

enum
{
  SIGNAL_SOFT_LIMIT,
  LAST_SIGNAL
};

enum
{
  PROP_0,
  PROP_MKEY,
  PROP_RTP_CIPHER,
  PROP_RTP_AUTH,
  PROP_RTCP_CIPHER,
  PROP_RTCP_AUTH,
  PROP_RANDOM_KEY,
  PROP_REPLAY_WINDOW_SIZE,
  PROP_ALLOW_REPEAT_TX,
  PROP_STATS,
  PROP_MKI,
  PROP_CRYPTO,
  PROP_KEY_IN_CAPS,
};

static GstStaticPadTemplate rtp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtp_sink_%u",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("application/x-rtp")
    );

static GstStaticPadTemplate rtp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtp_src_%u",
    GST_PAD_SRC,
    GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("application/x-srtp")
    );

static GstStaticPadTemplate rtcp_sink_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_sink_%u",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("application/x-rtcp")
    );

static GstStaticPadTemplate rtcp_src_template =
GST_STATIC_PAD_TEMPLATE ("rtcp_src_%u",
    GST_PAD_SRC,
    GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("application/x-srtcp")
    );

/* Shared by a sink pad and its src pad (element private of both) */
typedef struct
{
  GstPad *sinkpad;
  GstPad *srcpad;
  gboolean is_rtcp;
  GstCaps *caps;                /* last sink caps; protected by object lock */
  guint caps_serial;            /* keying serial of the pushed src caps */
} EncPads;

struct _GstPgsmSrtpEnc
{
  GstElement parent;

  /* Configuration: protected by object lock */
  GstPgsmSrtpKeying keying;
  gboolean random_key;
  guint replay_window_size;
  gboolean allow_repeat_tx;
  gboolean key_in_caps;
  gchar *crypto_error;
  guint key_serial;

  /* Session: protected by object lock */
  srtp_t session;
  guint session_serial;
  GstPgsmSrtpKeying active;     /* keying the session was built with */
  guint active_window;
  gboolean active_repeat;
  gboolean use_mki;
  guint rtp_trailer;
  guint rtcp_trailer;
  guint64 lifetime;
  guint64 key_packets;
  guint64 soft_limit_at;
  gboolean soft_signalled;
  GstPgsmSrtpStatsTable stats;
  guint64 total_packets;
  guint64 total_bytes;
  GstStructure *last_stats;

  GstAllocator *allocator;      /* recycles the buffers and memories of
                                 * packets protected in a copy */
};

#define GST_TYPE_PGSM_SRTP_ENC (gst_pgsm_srtp_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmSrtpEnc, gst_pgsm_srtp_enc, GST, PGSM_SRTP_ENC,
    GstElement);
G_DEFINE_TYPE (GstPgsmSrtpEnc, gst_pgsm_srtp_enc, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pgsmsrtpenc, "pgsmsrtpenc",
    GST_RANK_NONE, GST_TYPE_PGSM_SRTP_ENC, pgsm_srtp_element_init (plugin));

static guint signals[LAST_SIGNAL];

static void gst_pgsm_srtp_enc_dispose (GObject * object);
static void gst_pgsm_srtp_enc_finalize (GObject * object);
static void gst_pgsm_srtp_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_pgsm_srtp_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_pgsm_srtp_enc_change_state (GstElement *
    element, GstStateChange transition);
static GstPad *gst_pgsm_srtp_enc_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_pgsm_srtp_enc_release_pad (GstElement * element, GstPad * pad);
static GstFlowReturn gst_pgsm_srtp_enc_chain (GstPad * pad, GstObject * parent,
    GstBuffer * buf);
static GstFlowReturn gst_pgsm_srtp_enc_chain_list (GstPad * pad,
    GstObject * parent, GstBufferList * list);
static gboolean gst_pgsm_srtp_enc_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static gboolean gst_pgsm_srtp_enc_src_event (GstPad * pad, GstObject * parent,
    GstEvent * event);
static GstIterator *gst_pgsm_srtp_enc_iterate_internal_links (GstPad * pad,
    GstObject * parent);
static GstStructure *create_stats_unlocked (GstPgsmSrtpEnc * self);

static void
gst_pgsm_srtp_enc_class_init (GstPgsmSrtpEncClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->dispose = gst_pgsm_srtp_enc_dispose;
  gobject_class->finalize = gst_pgsm_srtp_enc_finalize;
  gobject_class->set_property = gst_pgsm_srtp_enc_set_property;
  gobject_class->get_property = gst_pgsm_srtp_enc_get_property;

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_release_pad);

  /**
   * GstPgsmSrtpEnc:key:
   *
   * Master key followed by the master salt, as a #GstBuffer. Its length
   * must be what the larger of the RTP and RTCP ciphers needs: 30 bytes
   * for AES-128-ICM, 46 for AES-256-ICM, 28 for AES-128-GCM, 44 for
   * AES-256-GCM. May be changed in PLAYING: the new key applies from the
   * next packet and each stream keeps its rollover counter.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKEY,
      g_param_spec_boxed ("key", "Key",
          "Master key || master salt (30 to 46 bytes, per the ciphers)",
          GST_TYPE_BUFFER, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * GstPgsmSrtpEnc:rtp-cipher:
   *
   * SRTP cipher. `null` only when set explicitly.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_CIPHER,
      g_param_spec_enum ("rtp-cipher", "RTP Cipher", "RTP Cipher",
          PGSM_TYPE_SRTP_CIPHER, DEFAULT_RTP_CIPHER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:rtp-auth:
   *
   * SRTP authentication. Ignored with a GCM cipher, which authenticates
   * itself (the caps then say `null`).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_AUTH,
      g_param_spec_enum ("rtp-auth", "RTP Authentication",
          "RTP Authentication", PGSM_TYPE_SRTP_AUTH, DEFAULT_RTP_AUTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:rtcp-cipher:
   *
   * SRTCP cipher.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_CIPHER,
      g_param_spec_enum ("rtcp-cipher", "RTCP Cipher", "RTCP Cipher",
          PGSM_TYPE_SRTP_CIPHER, DEFAULT_RTCP_CIPHER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:rtcp-auth:
   *
   * SRTCP authentication. Never `null` with an encrypting non-GCM cipher:
   * the element refuses to start with that combination.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTCP_AUTH,
      g_param_spec_enum ("rtcp-auth", "RTCP Authentication",
          "RTCP Authentication", PGSM_TYPE_SRTP_AUTH, DEFAULT_RTCP_AUTH,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:random-key:
   *
   * When set to %TRUE, a fresh random master key (from the kernel's
   * random source) of the length the ciphers need replaces #GstPgsmSrtpEnc:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RANDOM_KEY,
      g_param_spec_boolean ("random-key", "Generate random key",
          "Generate a random key if TRUE", DEFAULT_RANDOM_KEY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:replay-window-size:
   *
   * Size of the replay protection window, in packets.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_REPLAY_WINDOW_SIZE,
      g_param_spec_uint ("replay-window-size", "Replay window size",
          "Size of the replay protection window",
          64, 0x8000, DEFAULT_REPLAY_WINDOW_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:allow-repeat-tx:
   *
   * Allow packets with a sequence number already sent (retransmissions
   * must carry the same payload, or security is badly weakened). When
   * %FALSE such packets are dropped and logged, not fatal.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_ALLOW_REPEAT_TX,
      g_param_spec_boolean ("allow-repeat-tx",
          "Allow repeat packets transmission",
          "Whether retransmissions of packets with the same sequence number "
          "are allowed (they must carry the same RTP payload, or a severe "
          "security weakness is introduced!)", DEFAULT_ALLOW_REPEAT_TX,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:stats:
   *
   * A `application/x-srtp-encoder-stats` structure: `packets` and `bytes`
   * (guint64 totals of protected output) and `streams`, an array of
   * `application/x-srtp-stream` structures with `ssrc` (guint), `roc`
   * (guint), `packets`, `bytes`, `rtcp-packets`, `rtcp-bytes` (guint64).
   * Kept after the element stops.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics", "Various statistics",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc:mki:
   *
   * Master Key Identifier sent in every packet (%NULL: no MKI), up to 128
   * bytes. Mutable in PLAYING, like #GstPgsmSrtpEnc:key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MKI,
      g_param_spec_boxed ("mki", "MKI",
          "Master key Identifier (NULL means no MKI)", GST_TYPE_BUFFER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstPgsmSrtpEnc:crypto:
   *
   * An RFC 4568 `a=crypto` attribute value, e.g.
   * `1 AES_CM_128_HMAC_SHA1_80 inline:<base64 key||salt>|2^20|1:4`. Sets
   * the ciphers, authentications, key, lifetime and MKI at once (the first
   * inline key is used to protect). A malformed value is refused with a
   * warning naming the fault, and the element then refuses to start until
   * a good value or key is given. Write-only: it contains the key.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CRYPTO,
      g_param_spec_string ("crypto", "Crypto attribute",
          "RFC 4568 crypto attribute value (suite, inline key, lifetime, MKI)",
          NULL, G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING | G_PARAM_EXPLICIT_NOTIFY));

  /**
   * GstPgsmSrtpEnc:key-in-caps:
   *
   * Put the master keys in the output caps (`srtp-key`, `srtp-key2`...)
   * as srtpenc does, for a downstream srtpdec that reads them from there.
   * Off by default: caps are printed by `gst-launch-1.0 -v`, dot files
   * and debug logs.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_IN_CAPS,
      g_param_spec_boolean ("key-in-caps", "Key in caps",
          "Put the master key in the output caps (as srtpenc does)",
          DEFAULT_KEY_IN_CAPS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmSrtpEnc::soft-limit:
   * @element: the element
   *
   * Emitted once per master key when it nears the end of its lifetime
   * (a fifteenth of the lifetime before it, at least one packet): set a
   * new key now. At the lifetime itself the element stops with an error.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SOFT_LIMIT] =
      g_signal_new ("soft-limit", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gst_element_class_add_static_pad_template (element_class, &rtp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtp_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &rtcp_sink_template);
  gst_element_class_add_static_pad_template (element_class, &rtcp_src_template);

  gst_element_class_set_static_metadata (element_class, "SRTP encoder",
      "Filter/Network/SRTP",
      "Protects RTP and RTCP with SRTP/SRTCP (libsrtp2), drop-in for srtpenc",
      "gst-pgsm contributors");

  GST_DEBUG_CATEGORY_INIT (gst_pgsm_srtp_enc_debug, "pgsmsrtpenc", 0,
      "pgsm SRTP encoder");
}

static void
gst_pgsm_srtp_enc_init (GstPgsmSrtpEnc * self)
{
  gst_pgsm_srtp_keying_init (&self->keying);
  gst_pgsm_srtp_keying_init (&self->active);
  self->keying.rtp_cipher = DEFAULT_RTP_CIPHER;
  self->keying.rtp_auth = DEFAULT_RTP_AUTH;
  self->keying.rtcp_cipher = DEFAULT_RTCP_CIPHER;
  self->keying.rtcp_auth = DEFAULT_RTCP_AUTH;
  self->random_key = DEFAULT_RANDOM_KEY;
  self->replay_window_size = DEFAULT_REPLAY_WINDOW_SIZE;
  self->allow_repeat_tx = DEFAULT_ALLOW_REPEAT_TX;
  self->key_in_caps = DEFAULT_KEY_IN_CAPS;
  self->key_serial = 1;
  gst_pgsm_srtp_stats_table_init (&self->stats);
  self->allocator = gst_pgsm_srtp_allocator_new ();
}

static void
free_session_unlocked (GstPgsmSrtpEnc * self)
{
  if (self->session) {
    srtp_dealloc (self->session);
    self->session = NULL;
  }
  gst_pgsm_srtp_keying_clear (&self->active);
  self->session_serial = 0;
}

static void
gst_pgsm_srtp_enc_dispose (GObject * object)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (object);

  GST_OBJECT_LOCK (self);
  free_session_unlocked (self);
  GST_OBJECT_UNLOCK (self);
  if (self->allocator) {
    gst_pgsm_srtp_allocator_flush (self->allocator);
    gst_clear_object (&self->allocator);
  }

  G_OBJECT_CLASS (gst_pgsm_srtp_enc_parent_class)->dispose (object);
}

static void
gst_pgsm_srtp_enc_finalize (GObject * object)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (object);

  gst_pgsm_srtp_keying_clear (&self->keying);
  gst_pgsm_srtp_keying_clear (&self->active);
  gst_pgsm_srtp_stats_table_clear (&self->stats);
  g_clear_pointer (&self->last_stats, gst_structure_free);
  g_clear_pointer (&self->crypto_error, g_free);

  G_OBJECT_CLASS (gst_pgsm_srtp_enc_parent_class)->finalize (object);
}

/* Call with the object lock held */
static void
generate_random_key_unlocked (GstPgsmSrtpEnc * self)
{
  guint8 buf[SRTP_MAX_KEY_LEN];
  guint len = gst_pgsm_srtp_keying_key_length (&self->keying);
  guint i;

  if (len == 0)
    len = 30;
  if (getrandom (buf, len, 0) != (gssize) len) {
    GST_ERROR_OBJECT (self, "kernel random source failed, no key generated");
    return;
  }
  for (i = 1; i < self->keying.n_keys; i++) {
    g_clear_pointer (&self->keying.keys[i].key, g_bytes_unref);
    g_clear_pointer (&self->keying.keys[i].mki, g_bytes_unref);
  }
  g_clear_pointer (&self->keying.keys[0].key, g_bytes_unref);
  self->keying.keys[0].key = gst_pgsm_srtp_secret_new (buf, len);
  self->keying.n_keys = 1;
  memset (buf, 0, sizeof (buf));
  GST_INFO_OBJECT (self, "generated a random %u-byte master key", len);
}

/* Call with the object lock held */
static void
set_key_unlocked (GstPgsmSrtpEnc * self, GstBuffer * buf)
{
  guint i;

  for (i = 1; i < self->keying.n_keys; i++) {
    g_clear_pointer (&self->keying.keys[i].key, g_bytes_unref);
    g_clear_pointer (&self->keying.keys[i].mki, g_bytes_unref);
  }
  g_clear_pointer (&self->keying.keys[0].key, g_bytes_unref);
  self->keying.keys[0].key = gst_pgsm_srtp_secret_from_buffer (buf);
  self->keying.n_keys = (self->keying.keys[0].key || self->keying.keys[0].mki)
      ? 1 : 0;
  self->keying.lifetime = 0;
  g_clear_pointer (&self->crypto_error, g_free);
  GST_INFO_OBJECT (self, "master key set (%" G_GSIZE_FORMAT " bytes)",
      buf ? gst_buffer_get_size (buf) : 0);
}

/* Call with the object lock held */
static void
set_mki_unlocked (GstPgsmSrtpEnc * self, GstBuffer * buf)
{
  g_clear_pointer (&self->keying.keys[0].mki, g_bytes_unref);
  if (buf && gst_buffer_get_size (buf) > 0) {
    self->keying.keys[0].mki = gst_pgsm_srtp_secret_from_buffer (buf);
    if (self->keying.n_keys == 0)
      self->keying.n_keys = 1;
  }
  GST_INFO_OBJECT (self, "MKI set (%" G_GSIZE_FORMAT " bytes)",
      buf ? gst_buffer_get_size (buf) : 0);
}

/* Call with the object lock held. Returns FALSE and the fault when the
 * value is refused; the current keying is then unchanged. */
static gboolean
set_crypto_unlocked (GstPgsmSrtpEnc * self, const gchar * value,
    GError ** error)
{
  GstPgsmSrtpKeying k;

  gst_pgsm_srtp_keying_init (&k);
  if (!gst_pgsm_srtp_keying_from_crypto (&k, value, error)) {
    gst_pgsm_srtp_keying_clear (&k);
    g_free (self->crypto_error);
    self->crypto_error = g_strdup ((*error)->message);
    return FALSE;
  }
  gst_pgsm_srtp_keying_clear (&self->keying);
  self->keying = k;
  g_clear_pointer (&self->crypto_error, g_free);
  GST_INFO_OBJECT (self, "crypto attribute set: %u key(s), lifetime %"
      G_GUINT64_FORMAT, k.n_keys, k.lifetime);
  return TRUE;
}

static void
gst_pgsm_srtp_enc_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (object);
  GError *error = NULL;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MKEY:
      set_key_unlocked (self, g_value_get_boxed (value));
      break;
    case PROP_RTP_CIPHER:
      self->keying.rtp_cipher = g_value_get_enum (value);
      break;
    case PROP_RTP_AUTH:
      self->keying.rtp_auth = g_value_get_enum (value);
      break;
    case PROP_RTCP_CIPHER:
      self->keying.rtcp_cipher = g_value_get_enum (value);
      break;
    case PROP_RTCP_AUTH:
      self->keying.rtcp_auth = g_value_get_enum (value);
      break;
    case PROP_RANDOM_KEY:
      self->random_key = g_value_get_boolean (value);
      if (self->random_key)
        generate_random_key_unlocked (self);
      break;
    case PROP_REPLAY_WINDOW_SIZE:
      self->replay_window_size = g_value_get_uint (value);
      break;
    case PROP_ALLOW_REPEAT_TX:
      self->allow_repeat_tx = g_value_get_boolean (value);
      break;
    case PROP_MKI:
      set_mki_unlocked (self, g_value_get_boxed (value));
      break;
    case PROP_CRYPTO:
      set_crypto_unlocked (self, g_value_get_string (value), &error);
      break;
    case PROP_KEY_IN_CAPS:
      self->key_in_caps = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  /* any change re-keys the session and re-sends caps at the next packet */
  self->key_serial++;
  GST_OBJECT_UNLOCK (self);

  if (error) {
    g_warning ("%s: crypto property refused: %s", GST_OBJECT_NAME (self),
        error->message);
    g_error_free (error);
  }
}

static void
gst_pgsm_srtp_enc_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MKEY:
      g_value_take_boxed (value, self->keying.n_keys ?
          gst_pgsm_srtp_buffer_from_bytes (self->keying.keys[0].key) : NULL);
      break;
    case PROP_RTP_CIPHER:
      g_value_set_enum (value, self->keying.rtp_cipher);
      break;
    case PROP_RTP_AUTH:
      g_value_set_enum (value, self->keying.rtp_auth);
      break;
    case PROP_RTCP_CIPHER:
      g_value_set_enum (value, self->keying.rtcp_cipher);
      break;
    case PROP_RTCP_AUTH:
      g_value_set_enum (value, self->keying.rtcp_auth);
      break;
    case PROP_RANDOM_KEY:
      g_value_set_boolean (value, self->random_key);
      break;
    case PROP_REPLAY_WINDOW_SIZE:
      g_value_set_uint (value, self->replay_window_size);
      break;
    case PROP_ALLOW_REPEAT_TX:
      g_value_set_boolean (value, self->allow_repeat_tx);
      break;
    case PROP_STATS:
      if (self->session == NULL && self->last_stats)
        g_value_set_boxed (value, self->last_stats);
      else
        g_value_take_boxed (value, create_stats_unlocked (self));
      break;
    case PROP_MKI:
      g_value_take_boxed (value, self->keying.n_keys ?
          gst_pgsm_srtp_buffer_from_bytes (self->keying.keys[0].mki) : NULL);
      break;
    case PROP_KEY_IN_CAPS:
      g_value_set_boolean (value, self->key_in_caps);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* Call with the object lock held */
static GstStructure *
create_stats_unlocked (GstPgsmSrtpEnc * self)
{
  GstStructure *s;
  GValue va = G_VALUE_INIT;
  GValue v = G_VALUE_INIT;
  GHashTableIter iter;
  gpointer value;

  s = gst_structure_new ("application/x-srtp-encoder-stats",
      "packets", G_TYPE_UINT64, self->total_packets,
      "bytes", G_TYPE_UINT64, self->total_bytes, NULL);
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
              "rtcp-bytes", G_TYPE_UINT64, st->rtcp_bytes, NULL));
      gst_value_array_append_value (&va, &v);
    }
  }
  gst_structure_take_value (s, "streams", &va);
  g_value_unset (&v);
  return s;
}

/* Builds or re-keys the session when the configuration changed. Call with
 * the object lock held. On failure returns FALSE and the reason. */
static inline gboolean
session_ready_unlocked (GstPgsmSrtpEnc * self)
{
  return self->session && self->session_serial == self->key_serial;
}

static gboolean
ensure_session_unlocked (GstPgsmSrtpEnc * self, gchar ** reason)
{
  GstPgsmSrtpPolicy p;
  GError *error = NULL;
  srtp_err_status_t ret;
  guint32 len;

  if (G_LIKELY (self->session && self->session_serial == self->key_serial))
    return TRUE;

  if (self->crypto_error) {
    *reason = g_strdup_printf ("the crypto property was refused: %s",
        self->crypto_error);
    return FALSE;
  }
  if (self->random_key && self->keying.n_keys > 0 &&
      g_bytes_get_size (self->keying.keys[0].key) !=
      gst_pgsm_srtp_keying_key_length (&self->keying))
    generate_random_key_unlocked (self);
  if (!gst_pgsm_srtp_keying_validate (&self->keying, &error)) {
    *reason = g_strdup (error->message);
    g_error_free (error);
    return FALSE;
  }
  if (self->session && gst_pgsm_srtp_keying_equal (&self->active,
          &self->keying) && self->active_window == self->replay_window_size
      && self->active_repeat == self->allow_repeat_tx) {
    /* only caps-related settings changed: keep the session as it is */
    self->session_serial = self->key_serial;
    return TRUE;
  }
  if (!gst_pgsm_srtp_policy_fill (&p, &self->keying, ssrc_any_outbound, 0,
          self->replay_window_size, self->allow_repeat_tx)) {
    *reason = g_strdup ("unsupported cipher or authentication");
    return FALSE;
  }

  if (self->session == NULL) {
    ret = srtp_create (&self->session, &p.policy);
  } else {
    /* srtp_update keeps each stream's packet index, hence its ROC
     * (RFC 3711 section 3.3.1): the new key applies from this packet */
    ret = srtp_update (self->session, &p.policy);
    GST_INFO_OBJECT (self, "re-keyed the session: %s",
        gst_pgsm_srtp_status_to_string (ret));
  }
  memset (&p, 0, sizeof (p));
  if (ret != srtp_err_status_ok) {
    *reason = g_strdup_printf ("libsrtp2 refused the policy: %s",
        gst_pgsm_srtp_status_to_string (ret));
    if (self->session && ret != srtp_err_status_ok) {
      srtp_dealloc (self->session);
      self->session = NULL;
    }
    return FALSE;
  }

  self->use_mki = self->keying.n_keys > 0 && self->keying.keys[0].mki != NULL;
  len = 0;
  srtp_get_protect_trailer_length (self->session, self->use_mki, 0, &len);
  self->rtp_trailer = len;
  len = 0;
  srtp_get_protect_rtcp_trailer_length (self->session, self->use_mki, 0, &len);
  self->rtcp_trailer = len;
  gst_pgsm_srtp_keying_copy (&self->active, &self->keying);
  self->active_window = self->replay_window_size;
  self->active_repeat = self->allow_repeat_tx;
  self->lifetime = self->keying.lifetime;
  self->key_packets = 0;
  self->soft_signalled = FALSE;
  self->soft_limit_at = self->lifetime ?
      self->lifetime - MAX (1, self->lifetime / 16) : G_MAXUINT64;
  self->session_serial = self->key_serial;
  GST_DEBUG_OBJECT (self, "session ready: mki %d, trailers %u/%u, lifetime %"
      G_GUINT64_FORMAT, self->use_mki, self->rtp_trailer, self->rtcp_trailer,
      self->lifetime);
  return TRUE;
}

typedef enum
{
  PROTECT_OK,
  PROTECT_DROP,
  PROTECT_FATAL,
} ProtectResult;

/* Protects the packet of @buf (not consumed). Returns PROTECT_OK with
 * *@out the buffer to send. That is @buf itself when it is ours
 * (GST_PGSM_SRTP_BUFFER_IS_OURS()) and its memory has room for the tag:
 * the packet is protected in place. Otherwise the packet is protected in
 * a copy (gst_pgsm_srtp_packet_map()): with @new_buffer, *@out is a
 * recycled buffer of the element's allocator with the copy and @buf's
 * metadata, and the caller drops @buf; without, @buf (which must then be
 * ours) gets a recycled memory with the copy in place of its own and is
 * *@out. On failure @buf keeps its data and the caller drops it. Call
 * with the object lock held. */
static ProtectResult
protect_unlocked (GstPgsmSrtpEnc * self, GstBuffer * buf, gboolean is_rtcp,
    gboolean new_buffer, GstBuffer ** out, gboolean * soft, gchar ** reason)
{
  guint trailer = is_rtcp ? self->rtcp_trailer : self->rtp_trailer;
  gsize size = gst_buffer_get_size (buf);
  GstPgsmSrtpPacket pkt;
  GstPgsmSrtpSsrcStats *st;
  srtp_err_status_t ret;
  guint32 ssrc;
  int len;

  if (G_UNLIKELY (self->lifetime && self->key_packets >= self->lifetime)) {
    *reason = g_strdup_printf ("the master key protected %" G_GUINT64_FORMAT
        " packets, its whole lifetime", self->key_packets);
    return PROTECT_FATAL;
  }
  if (G_UNLIKELY (size > G_MAXINT - trailer))
    return PROTECT_DROP;

  if (G_UNLIKELY (!gst_pgsm_srtp_packet_map (&pkt, buf, size, size + trailer,
              self->allocator, new_buffer)))
    return PROTECT_DROP;

  len = size;
  if (G_UNLIKELY (!gst_pgsm_srtp_read_ssrc (pkt.data, size, is_rtcp, &ssrc))) {
    ret = srtp_err_status_parse_err;
  } else if (is_rtcp) {
    ret = srtp_protect_rtcp_mki (self->session, pkt.data, &len, self->use_mki,
        0);
  } else {
    ret = srtp_protect_mki (self->session, pkt.data, &len, self->use_mki, 0);
  }
  if (G_UNLIKELY (ret != srtp_err_status_ok)) {
    gst_pgsm_srtp_packet_unmap (&pkt, size, FALSE);
    if (ret == srtp_err_status_key_expired) {
      *reason = g_strdup ("libsrtp2 reports the master key expired");
      return PROTECT_FATAL;
    }
    GST_WARNING_OBJECT (self, "dropping a %" G_GSIZE_FORMAT "-byte %s "
        "packet: %s", size, is_rtcp ? "RTCP" : "RTP",
        gst_pgsm_srtp_status_to_string (ret));
    return PROTECT_DROP;
  }
  gst_pgsm_srtp_packet_unmap (&pkt, len, TRUE);
  *out = pkt.copy ? pkt.copy : buf;

  st = gst_pgsm_srtp_stats_table_get (&self->stats, ssrc);
  if (is_rtcp) {
    st->rtcp_packets++;
    st->rtcp_bytes += len;
  } else {
    st->packets++;
    st->bytes += len;
  }
  self->total_packets++;
  self->total_bytes += len;
  self->key_packets++;
  if (G_UNLIKELY (self->key_packets >= self->soft_limit_at &&
          !self->soft_signalled)) {
    self->soft_signalled = TRUE;
    *soft = TRUE;
  }
  return PROTECT_OK;
}

/* Src caps for @pads from its sink caps and the current keying. Call with
 * the object lock held. */
static GstCaps *
make_src_caps_unlocked (GstPgsmSrtpEnc * self, EncPads * pads)
{
  GstCaps *caps;
  guint i;

  if (pads->caps == NULL)
    return NULL;
  caps = gst_pgsm_srtp_caps_strip (pads->caps,
      pads->is_rtcp ? "application/x-srtcp" : "application/x-srtp");
  for (i = 0; i < gst_caps_get_size (caps); i++)
    gst_pgsm_srtp_keying_to_structure (&self->keying,
        gst_caps_get_structure (caps, i), self->key_in_caps);
  pads->caps_serial = self->key_serial;
  return caps;
}

static void
post_fatal (GstPgsmSrtpEnc * self, gchar * reason)
{
  GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
      (_("Cannot protect the stream: no usable SRTP key.")), ("%s", reason));
  g_free (reason);
}

/* Sends updated src caps when the keying changed since the last ones */
static void
maybe_push_caps (GstPgsmSrtpEnc * self, EncPads * pads, GstCaps * caps)
{
  if (caps) {
    GST_DEBUG_OBJECT (pads->srcpad, "sending updated caps (keys %s)",
        self->key_in_caps ? "included" : "not included");
    gst_pad_push_event (pads->srcpad, gst_event_new_caps (caps));
    gst_caps_unref (caps);
  }
}

static GstFlowReturn
gst_pgsm_srtp_enc_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  /* the pad's parent is always our element: no checked cast per packet */
  GstPgsmSrtpEnc *self = (GstPgsmSrtpEnc *) parent;
  EncPads *pads = gst_pad_get_element_private (pad);
  GstCaps *caps = NULL;
  gchar *reason = NULL;
  gboolean soft = FALSE;
  GstBuffer *out = NULL;
  ProtectResult r;

  /* a buffer that is not ours is not made writable: protect_unlocked()
   * copies it into a new buffer anyway */
  GST_OBJECT_LOCK (self);
  if (G_UNLIKELY (!session_ready_unlocked (self) &&
          !ensure_session_unlocked (self, &reason))) {
    GST_OBJECT_UNLOCK (self);
    gst_buffer_unref (buf);
    post_fatal (self, reason);
    return GST_FLOW_ERROR;
  }
  if (G_UNLIKELY (pads->caps_serial != self->key_serial))
    caps = make_src_caps_unlocked (self, pads);
  r = protect_unlocked (self, buf, pads->is_rtcp, TRUE, &out, &soft, &reason);
  GST_OBJECT_UNLOCK (self);

  if (G_UNLIKELY (soft))
    g_signal_emit (self, signals[SIGNAL_SOFT_LIMIT], 0);
  if (G_UNLIKELY (caps != NULL))
    maybe_push_caps (self, pads, caps);
  if (G_UNLIKELY (r != PROTECT_OK)) {
    gst_buffer_unref (buf);
    if (r == PROTECT_FATAL) {
      GST_ELEMENT_ERROR (self, STREAM, ENCODE,
          (_("The SRTP master key reached its lifetime.")), ("%s", reason));
      g_free (reason);
      return GST_FLOW_ERROR;
    }
    return GST_FLOW_OK;
  }
  if (out != buf)
    gst_buffer_unref (buf);
  return gst_pad_push (pads->srcpad, out);
}

/* The whole list under one lock, in one pass, in place: each buffer keeps
 * its place in the list (a shared one is first replaced by a writable
 * copy), and a packet protected in a copy gets the copy's memory in place
 * of its own: cheaper here than a new buffer, which would have to be
 * swapped into the list; only dropped packets are removed. */
static GstFlowReturn
gst_pgsm_srtp_enc_chain_list (GstPad * pad, GstObject * parent,
    GstBufferList * list)
{
  GstPgsmSrtpEnc *self = (GstPgsmSrtpEnc *) parent;
  EncPads *pads = gst_pad_get_element_private (pad);
  GstCaps *caps = NULL;
  gchar *reason = NULL;
  gboolean soft = FALSE;
  ProtectResult r = PROTECT_OK;
  guint i, n;

  list = gst_buffer_list_make_writable (list);
  n = gst_buffer_list_length (list);

  GST_OBJECT_LOCK (self);
  if (G_UNLIKELY (!session_ready_unlocked (self) &&
          !ensure_session_unlocked (self, &reason))) {
    GST_OBJECT_UNLOCK (self);
    gst_buffer_list_unref (list);
    post_fatal (self, reason);
    return GST_FLOW_ERROR;
  }
  if (G_UNLIKELY (pads->caps_serial != self->key_serial))
    caps = make_src_caps_unlocked (self, pads);
  for (i = 0; i < n;) {
    GstBuffer *buf = gst_buffer_list_get (list, i);
    GstBuffer *out;

    /* the list is ours: a buffer only it holds is ours too */
    if (G_UNLIKELY (!GST_PGSM_SRTP_BUFFER_IS_OURS (buf)))
      buf = gst_buffer_list_get_writable (list, i);
    r = protect_unlocked (self, buf, pads->is_rtcp, FALSE, &out, &soft,
        &reason);
    if (G_LIKELY (r == PROTECT_OK)) {
      i++;
      continue;
    }
    if (r == PROTECT_FATAL)
      break;
    gst_buffer_list_remove (list, i, 1);
    n--;
  }
  GST_OBJECT_UNLOCK (self);

  if (G_UNLIKELY (soft))
    g_signal_emit (self, signals[SIGNAL_SOFT_LIMIT], 0);
  if (G_UNLIKELY (caps != NULL))
    maybe_push_caps (self, pads, caps);
  if (G_UNLIKELY (r == PROTECT_FATAL)) {
    gst_buffer_list_unref (list);
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        (_("The SRTP master key reached its lifetime.")), ("%s", reason));
    g_free (reason);
    return GST_FLOW_ERROR;
  }
  if (n == 0) {
    gst_buffer_list_unref (list);
    return GST_FLOW_OK;
  }
  return gst_pad_push_list (pads->srcpad, list);
}

static gboolean
gst_pgsm_srtp_enc_sink_event (GstPad * pad, GstObject * parent,
    GstEvent * event)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (parent);
  EncPads *pads = gst_pad_get_element_private (pad);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
    GstCaps *caps, *out;

    gst_event_parse_caps (event, &caps);
    GST_OBJECT_LOCK (self);
    gst_caps_replace (&pads->caps, caps);
    out = make_src_caps_unlocked (self, pads);
    GST_OBJECT_UNLOCK (self);
    gst_event_unref (event);
    if (out == NULL)
      return FALSE;
    event = gst_event_new_caps (out);
    gst_caps_unref (out);
  }
  return gst_pad_push_event (pads->srcpad, event);
}

static gboolean
gst_pgsm_srtp_enc_src_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  EncPads *pads = gst_pad_get_element_private (pad);

  return gst_pad_push_event (pads->sinkpad, event);
}

static GstIterator *
gst_pgsm_srtp_enc_iterate_internal_links (GstPad * pad, GstObject * parent)
{
  EncPads *pads = gst_pad_get_element_private (pad);
  GstPad *other = pad == pads->sinkpad ? pads->srcpad : pads->sinkpad;
  GValue v = G_VALUE_INIT;
  GstIterator *it;

  g_value_init (&v, GST_TYPE_PAD);
  g_value_set_object (&v, other);
  it = gst_iterator_new_single (GST_TYPE_PAD, &v);
  g_value_unset (&v);
  return it;
}

static GstPad *
gst_pgsm_srtp_enc_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (element);
  gboolean is_rtcp = templ == gst_element_class_get_pad_template (klass,
      "rtcp_sink_%u");
  const gchar *prefix = is_rtcp ? "rtcp" : "rtp";
  gchar *sinkname, *srcname;
  EncPads *pads;
  guint64 idx = 0;
  guint index = 0;

  if (name) {
    gchar *want = g_strdup_printf ("%s_sink_", prefix);
    gboolean ok = g_str_has_prefix (name, want) &&
        g_ascii_string_to_unsigned (name + strlen (want), 10, 0, G_MAXINT,
        &idx, NULL);

    g_free (want);
    if (!ok) {
      GST_WARNING_OBJECT (element, "pad name %s does not match %s_sink_%%u",
          name, prefix);
      return NULL;
    }
    index = idx;
  } else {
    /* lowest free index */
    for (index = 0;; index++) {
      gchar *n = g_strdup_printf ("%s_sink_%u", prefix, index);
      GstPad *p = gst_element_get_static_pad (element, n);

      g_free (n);
      if (p == NULL)
        break;
      gst_object_unref (p);
    }
  }
  sinkname = g_strdup_printf ("%s_sink_%u", prefix, index);
  srcname = g_strdup_printf ("%s_src_%u", prefix, index);
  {
    GstPad *existing = gst_element_get_static_pad (element, sinkname);

    if (existing) {
      gst_object_unref (existing);
      GST_WARNING_OBJECT (element, "pad %s already exists", sinkname);
      g_free (sinkname);
      g_free (srcname);
      return NULL;
    }
  }

  pads = g_new0 (EncPads, 1);
  pads->is_rtcp = is_rtcp;
  pads->sinkpad = gst_pad_new_from_template (templ, sinkname);
  pads->srcpad = gst_pad_new_from_static_template (is_rtcp ?
      &rtcp_src_template : &rtp_src_template, srcname);
  g_free (sinkname);
  g_free (srcname);

  gst_pad_set_element_private (pads->sinkpad, pads);
  gst_pad_set_element_private (pads->srcpad, pads);
  gst_pad_set_chain_function (pads->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_chain));
  gst_pad_set_chain_list_function (pads->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_chain_list));
  gst_pad_set_event_function (pads->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_sink_event));
  gst_pad_set_iterate_internal_links_function (pads->sinkpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_iterate_internal_links));
  gst_pad_set_event_function (pads->srcpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_src_event));
  gst_pad_set_iterate_internal_links_function (pads->srcpad,
      GST_DEBUG_FUNCPTR (gst_pgsm_srtp_enc_iterate_internal_links));

  gst_pad_set_active (pads->srcpad, TRUE);
  gst_element_add_pad (element, pads->srcpad);
  gst_pad_set_active (pads->sinkpad, TRUE);
  gst_element_add_pad (element, pads->sinkpad);

  return pads->sinkpad;
}

static void
gst_pgsm_srtp_enc_release_pad (GstElement * element, GstPad * pad)
{
  EncPads *pads = gst_pad_get_element_private (pad);

  if (pads == NULL || pad != pads->sinkpad)
    return;
  gst_pad_set_element_private (pads->sinkpad, NULL);
  gst_pad_set_element_private (pads->srcpad, NULL);
  gst_pad_set_active (pads->srcpad, FALSE);
  gst_pad_set_active (pads->sinkpad, FALSE);
  gst_element_remove_pad (element, pads->srcpad);
  gst_element_remove_pad (element, pads->sinkpad);
  gst_clear_caps (&pads->caps);
  g_free (pads);
}

static GstStateChangeReturn
gst_pgsm_srtp_enc_change_state (GstElement * element, GstStateChange transition)
{
  GstPgsmSrtpEnc *self = GST_PGSM_SRTP_ENC (element);
  GstStateChangeReturn ret;
  gchar *reason = NULL;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    gboolean ok;

    GST_OBJECT_LOCK (self);
    gst_pgsm_srtp_stats_table_clear (&self->stats);
    gst_pgsm_srtp_stats_table_init (&self->stats);
    g_clear_pointer (&self->last_stats, gst_structure_free);
    self->total_packets = self->total_bytes = 0;
    ok = ensure_session_unlocked (self, &reason);
    GST_OBJECT_UNLOCK (self);
    if (!ok) {
      post_fatal (self, reason);
      return GST_STATE_CHANGE_FAILURE;
    }
  }

  ret = GST_ELEMENT_CLASS (gst_pgsm_srtp_enc_parent_class)->change_state
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
