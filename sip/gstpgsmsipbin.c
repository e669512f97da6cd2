/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pgsmsipbin
 * @title: pgsmsipbin
 * @see_also: pgsmsrtpenc, pgsmsrtpdec, pgsmtlssrc, rtpbin
 *
 * A secure voice call as one element. pgsmsipbin signals over SIP/TLS with
 * Sofia-SIP (on a private GMainContext run by a thread the bin owns, so it
 * works whatever main loop the application runs), offers and answers
 * RTP/SAVP with SDES keys (RFC 4568), and wires rtpbin, pgsmsrtpenc,
 * pgsmsrtpdec and UDP sockets inside itself. Raw audio goes in on the `sink`
 * pad and the other side's audio comes out of the `src` pad.
 *
 * Before any SIP request goes to a TLS server, the server's certificate is
 * checked by the project's one verifier (the one pgsmtlssrc uses) with the
 * SIP identity rules of RFC 5922; Sofia's own TLS transport verifies too.
 * When the certificate is not trusted, the bin posts the certificate ERROR
 * (domain `pgsm-tls-error-quark`, the same sentence as every gst-pgsm
 * element, reasons in the debug string, the verdict in the details) and no
 * INVITE is sent.
 *
 * Progress is reported with element messages named `pgsm-call` (see
 * docs/pgsmsipbin.md for every field).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 audiotestsrc is-live=true ! pgsmsipbin \
 *     remote-uri=sips:bob@127.0.0.1:5061 ca-file=ca.pem ! autoaudiosink
 * ]|
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpgsmsipelements.h"
#include "gstpgsmsdp.h"
#include "gstpgsmsofia.h"
#include "gstpgsmdtmf.h"
#include "pgsmtlsverify.h"

#include <gst/pgsm/pgsmi18n.h>

#include <string.h>
#include <glib/gstdio.h>
#include <gio/gio.h>
#include <gnutls/gnutls.h>

GST_DEBUG_CATEGORY_STATIC (gst_pgsm_sip_bin_debug);
#define GST_CAT_DEFAULT gst_pgsm_sip_bin_debug

/* media-encryption: what the call's RTP is */
typedef enum
{
  GST_PGSM_SIP_MEDIA_ENCRYPTION_SRTP = 0,
  GST_PGSM_SIP_MEDIA_ENCRYPTION_NONE = 1,
} GstPgsmSipMediaEncryption;

#define GST_TYPE_PGSM_SIP_MEDIA_ENCRYPTION \
  (gst_pgsm_sip_media_encryption_get_type ())

static GType
gst_pgsm_sip_media_encryption_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_PGSM_SIP_MEDIA_ENCRYPTION_SRTP,
          "SRTP with SDES keys (RTP/SAVP); the only choice toward the outside",
        "srtp"},
    {GST_PGSM_SIP_MEDIA_ENCRYPTION_NONE,
          "Clear RTP (RTP/AVP): only for the site's inside leg, needs "
          "allow-insecure-signaling",
        "none"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstPgsmSipMediaEncryption", values);

    g_once_init_leave (&type, t);
  }
  return type;
}

#define DEFAULT_LOCAL_URI NULL
#define DEFAULT_LISTEN_URI "sips:127.0.0.1:0"
#define DEFAULT_REMOTE_URI NULL
#define DEFAULT_CA_FILE NULL
#define DEFAULT_USE_SYSTEM_CA FALSE
#define DEFAULT_CRL_FILE NULL
#define DEFAULT_PINNED_SHA256 NULL
#define DEFAULT_CERT_FILE NULL
#define DEFAULT_KEY_FILE NULL
#define DEFAULT_AUTO_ANSWER FALSE
#define DEFAULT_SRTP_SUITES "AES_CM_128_HMAC_SHA1_80,AES_CM_128_HMAC_SHA1_32," \
  "AEAD_AES_128_GCM,AES_256_CM_HMAC_SHA1_80"
#define DEFAULT_CODECS "PCMU,PCMA"
#define DEFAULT_ALLOW_INSECURE_SIGNALING FALSE
#define DEFAULT_MEDIA_ENCRYPTION GST_PGSM_SIP_MEDIA_ENCRYPTION_SRTP
#define DEFAULT_MAX_CALLS 1
/* the most max-calls can be: the call slots (pads sink/src, sink_1/src_1...) */
#define MAX_CALLS 16
#define DEFAULT_RTP_PORT_MIN 0
#define DEFAULT_RTP_PORT_MAX 0
#define DEFAULT_BOUND_PORT 0
#define DEFAULT_MEDIA_TIMEOUT 30
/* how often the media watch looks: a vanished peer is noticed between
 * media-timeout and media-timeout + this */
#define MEDIA_WATCH_PERIOD_MS 250
#define DEFAULT_REGISTRAR NULL
#define DEFAULT_USERNAME NULL

/* REGISTER: the expiry we ask for, and the pause before trying again after
 * the registrar could not be reached */
#define REGISTER_EXPIRES_S 600
#define REGISTER_RETRY_S 5

/* the calls' jitter buffers: latency (the `latency` property), and the
 * packets in sequence that start them early */
#define DEFAULT_LATENCY 40
#define JITTER_FASTSTART_PACKETS 1

/* bounds of the network steps of call set-up */
#define CONNECT_TIMEOUT_S 10
#define HANDSHAKE_TIMEOUT_MS 10000

enum
{
  SIGNAL_CALL,
  SIGNAL_ANSWER,
  SIGNAL_REJECT,
  SIGNAL_HANGUP,
  SIGNAL_HOLD,
  SIGNAL_RESUME,
  SIGNAL_REKEY,
  SIGNAL_SEND_DTMF,
  LAST_SIGNAL
};

enum
{
  PROP_0,
  PROP_LOCAL_URI,
  PROP_LISTEN_URI,
  PROP_BOUND_PORT,
  PROP_REMOTE_URI,
  PROP_CA_FILE,
  PROP_USE_SYSTEM_CA,
  PROP_CRL_FILE,
  PROP_PINNED_SHA256,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_AUTO_ANSWER,
  PROP_SRTP_SUITES,
  PROP_CODECS,
  PROP_ALLOW_INSECURE_SIGNALING,
  PROP_MEDIA_ENCRYPTION,
  PROP_MAX_CALLS,
  PROP_RTP_PORT_MIN,
  PROP_RTP_PORT_MAX,
  PROP_MEDIA_TIMEOUT,
  PROP_LATENCY,
  PROP_REGISTRAR,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_PROXY,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw"));

/* the calls in slots 1.. when max-calls > 1 */
static GstStaticPadTemplate sink_slot_template =
GST_STATIC_PAD_TEMPLATE ("sink_%u",
    GST_PAD_SINK,
    GST_PAD_REQUEST,
    GST_STATIC_CAPS ("audio/x-raw"));

static GstStaticPadTemplate src_slot_template =
GST_STATIC_PAD_TEMPLATE ("src_%u",
    GST_PAD_SRC,
    GST_PAD_SOMETIMES,
    GST_STATIC_CAPS ("audio/x-raw"));

/* A snapshot of the properties, taken under the object lock */
typedef struct
{
  gchar *local_uri;
  gchar *listen_uri;
  gchar *ca_file;
  gboolean use_system_ca;
  gchar *crl_file;
  gchar *pinned_sha256;
  gchar *cert_file;
  gchar *key_file;
  gboolean auto_answer;
  gchar *srtp_suites;
  gchar *codecs;
  gboolean allow_insecure;
  GstPgsmSipMediaEncryption media_encryption;
  guint rtp_port_min;
  guint rtp_port_max;
  guint media_timeout;
  guint latency;
  guint max_calls;
  gchar *registrar;
  gchar *proxy;
  gchar *username;
  gchar *password;              /* never logged; wiped when freed */
} Settings;

typedef struct _MediaWatch MediaWatch;

/* One call and its media. Protected by call_lock. */
typedef struct
{
  gchar *call_id;
  guint slot;                   /* 0: pads sink/src; n: sink_n (when
                                 * requested) and src_n */
  GCancellable *setup_cancel;   /* outgoing: its certificate check */
  gboolean outgoing;
  gboolean answered;
  gboolean ended;               /* its last `pgsm-call` was posted */
  gboolean invited;             /* outgoing: the INVITE was handed to Sofia */
  gchar *remote_uri;
  gchar *host;
  guint port;

  gboolean clear_media;         /* media-encryption=none: RTP/AVP */
  GArray *suites;
  GArray *pts;
  gchar *media_address;
  GSocket *rtp_socket;
  GSocket *rtcp_socket;
  guint rtp_port;

  PgsmSdpOffer *offer;
  PgsmSdpDecision *decision;    /* the offer/answer in force */

  /* re-INVITEs (hold, resume, rekey) in an established call */
  guint64 sdp_session_id;       /* o= of our SDP, the same for the call */
  guint64 sdp_version;          /* one more for each SDP we send */
  PgsmSdpDirection want;        /* SENDONLY while we hold the call */
  PgsmSdpDirection want_before; /* restored when a re-INVITE is refused */
  PgsmSdpOffer *reoffer;        /* our re-INVITE in flight */
  gboolean established;         /* `established` was posted */
  guint dtmf_payload_type;      /* what we offer telephone-events on */
  gboolean no_ports;            /* no free RTP port pair for it */

  GPtrArray *elements;          /* the media elements we added to the bin */
  GstElement *srtpenc;
  GstElement *srtpdec;
  GstElement *depay;
  GstElement *valve;            /* closed while we must not send (held) */
  GstElement *dtmfsrc;          /* RFC 4733 events, when negotiated */
  GstPgsmDtmfSender *dtmf;
  guint media_timeout;          /* seconds, 0 = no watch */
  guint latency;                /* jitter buffer, ms */
  MediaWatch *watch;
  GstElement *rtp_sink;
  GstElement *rtp_src;          /* its udpsrc: the media watch of a clear
                                 * call looks there */
  GstElement *rtcp_sink;
  GstElement *tee;              /* the input it takes a branch of */
  GstPad *tee_pad;
  GstPad *src_ghost;            /* src_n of a call in slot n > 0 */

  gchar *peer_sha256;
  gchar *tls_description;
} Call;

struct _GstPgsmSipBin
{
  GstBin parent;

  GstPad *sinkpad;
  GstPad *srcpad;
  GstElement *tee;

  /* properties, protected by object lock */
  Settings props;
  gchar *remote_uri;
  guint bound_port;

  /* call state, protected by call_lock; the object lock may be taken
   * inside it, never the other way round */
  GMutex call_lock;
  GstPgsmSofia *sofia;
  gchar *cert_dir;
  GPtrArray *calls;             /* Call*, at most max-calls */
  guint setups_running;         /* set-up threads alive (stop waits) */
  GCond setup_cond;
  /* requested sink_n pads and the input (convert ! resample ! tee) each
   * feeds, for the call in slot n */
  GstPad *slot_sinks[MAX_CALLS];
  GPtrArray *slot_inputs[MAX_CALLS];
  GThread *reg_thread;          /* the registrar's certificate check */
  GCancellable *reg_cancel;
};

#define GST_TYPE_PGSM_SIP_BIN (gst_pgsm_sip_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmSipBin, gst_pgsm_sip_bin, GST, PGSM_SIP_BIN,
    GstBin);
G_DEFINE_TYPE (GstPgsmSipBin, gst_pgsm_sip_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pgsmsipbin, "pgsmsipbin",
    GST_RANK_NONE, GST_TYPE_PGSM_SIP_BIN,
    GST_DEBUG_CATEGORY_INIT (gst_pgsm_sip_bin_debug, "pgsmsipbin", 0,
        "SIP/TLS secure call bin"));

static guint signals[LAST_SIGNAL];

static void gst_pgsm_sip_bin_finalize (GObject * object);
static void gst_pgsm_sip_bin_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_pgsm_sip_bin_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static GstStateChangeReturn gst_pgsm_sip_bin_change_state (GstElement *
    element, GstStateChange transition);
static gchar *gst_pgsm_sip_bin_call (GstPgsmSipBin * self, const gchar * uri);
static gboolean gst_pgsm_sip_bin_answer (GstPgsmSipBin * self,
    const gchar * call_id);
static gboolean gst_pgsm_sip_bin_reject (GstPgsmSipBin * self,
    const gchar * call_id, guint status);
static gboolean gst_pgsm_sip_bin_hangup (GstPgsmSipBin * self,
    const gchar * call_id);
static gboolean gst_pgsm_sip_bin_hold (GstPgsmSipBin * self,
    const gchar * call_id);
static gboolean gst_pgsm_sip_bin_resume (GstPgsmSipBin * self,
    const gchar * call_id);
static gboolean gst_pgsm_sip_bin_rekey (GstPgsmSipBin * self,
    const gchar * call_id);
static gboolean gst_pgsm_sip_bin_send_dtmf (GstPgsmSipBin * self,
    const gchar * call_id, const gchar * digits);
static void gst_pgsm_sip_bin_handle_message (GstBin * bin,
    GstMessage * message);
static GstPad *gst_pgsm_sip_bin_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps);
static void gst_pgsm_sip_bin_release_pad (GstElement * element, GstPad * pad);
static void media_stop_unlocked (GstPgsmSipBin * self, Call * call);
static void reinvite_answered_unlocked (GstPgsmSipBin * self, Call * call,
    guint status, const gchar * phrase, const gchar * sdp);
static Call *lookup_unlocked (GstPgsmSipBin * self, const gchar * call_id);
static gint free_slot_unlocked (GstPgsmSipBin * self, guint max_calls);
static void media_watch_stop (Call * call);

static void
install_string_prop (GObjectClass * klass, guint id, const gchar * name,
    const gchar * blurb, const gchar * def)
{
  g_object_class_install_property (klass, id, g_param_spec_string (name,
          name, blurb, def, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
}

static void
gst_pgsm_sip_bin_class_init (GstPgsmSipBinClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  gobject_class->finalize = gst_pgsm_sip_bin_finalize;
  gobject_class->set_property = gst_pgsm_sip_bin_set_property;
  gobject_class->get_property = gst_pgsm_sip_bin_get_property;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_pgsm_sip_bin_change_state);
  GST_BIN_CLASS (klass)->handle_message =
      GST_DEBUG_FUNCPTR (gst_pgsm_sip_bin_handle_message);

  /**
   * GstPgsmSipBin:local-uri:
   *
   * Our address of record, the From of our requests (`sips:alice@example.com`).
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_LOCAL_URI, "local-uri",
      "Our SIP address of record (From)", DEFAULT_LOCAL_URI);
  /**
   * GstPgsmSipBin:listen-uri:
   *
   * Where the SIP agent binds: `sips:ADDRESS:PORT` (TLS; port 0 picks a free
   * one, see #GstPgsmSipBin:bound-port). A `sip:` URI is refused unless
   * #GstPgsmSipBin:allow-insecure-signaling is set.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_LISTEN_URI, "listen-uri",
      "SIP bind URI (sips:address:port)", DEFAULT_LISTEN_URI);
  /**
   * GstPgsmSipBin:registrar:
   *
   * The registrar to REGISTER `local-uri` with (`sips:pbx.example.com`),
   * from the READY state on. Its certificate is checked like a called
   * server's before the REGISTER goes out; digest challenges are answered
   * with `username` and `password`. NULL: no registration.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_REGISTRAR, "registrar",
      "SIP registrar URI (sips:); NULL = do not register", DEFAULT_REGISTRAR);
  /**
   * GstPgsmSipBin:proxy:
   *
   * An outbound proxy (`sips:proxy.example.com`): every request we send
   * (INVITE, REGISTER...) goes to it, whatever URI is called. Its
   * certificate is the one checked before a call (identity: the proxy's
   * host). NULL: requests go where their URI says.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_PROXY, "proxy",
      "Outbound proxy URI (sips:); NULL = none", NULL);
  /**
   * GstPgsmSipBin:username:
   *
   * The user name for digest authentication (RFC 3261 22).
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_USERNAME, "username",
      "User name for digest authentication", DEFAULT_USERNAME);
  /**
   * GstPgsmSipBin:password:
   *
   * The password for digest authentication. Write-only; never logged;
   * wiped from memory when replaced or freed.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PASSWORD,
      g_param_spec_string ("password", "Password",
          "Password for digest authentication (write-only)", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:bound-port:
   *
   * The port the SIP agent listens on, known from the READY state on.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_BOUND_PORT,
      g_param_spec_uint ("bound-port", "Bound port",
          "The SIP port the agent listens on (READY and later)", 0, 65535,
          DEFAULT_BOUND_PORT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  /**
   * GstPgsmSipBin:remote-uri:
   *
   * Who to call when the bin reaches PLAYING (`sips:bob@host:port`).
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_REMOTE_URI, "remote-uri",
      "SIP URI to call when PLAYING", DEFAULT_REMOTE_URI);
  /**
   * GstPgsmSipBin:ca-file:
   *
   * PEM file of the CA certificates to trust for SIP/TLS servers.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_CA_FILE, "ca-file",
      "PEM file of trusted CA certificates", DEFAULT_CA_FILE);
  /**
   * GstPgsmSipBin:use-system-ca:
   *
   * Also trust the system's CA store.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_USE_SYSTEM_CA,
      g_param_spec_boolean ("use-system-ca", "Use system CA",
          "Also trust the system CA store", DEFAULT_USE_SYSTEM_CA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:crl-file:
   *
   * A CRL (PEM or DER); revoked server certificates are refused.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_CRL_FILE, "crl-file",
      "Certificate revocation list", DEFAULT_CRL_FILE);
  /**
   * GstPgsmSipBin:pinned-sha256:
   *
   * Comma-separated hex SHA-256 fingerprints (certificate DER or SPKI DER);
   * when set, the server certificate must match one of them.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_PINNED_SHA256, "pinned-sha256",
      "Comma-separated SHA-256 pins of the server certificate",
      DEFAULT_PINNED_SHA256);
  /**
   * GstPgsmSipBin:cert-file:
   *
   * Our certificate chain (PEM, leaf first) when we listen for calls.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_CERT_FILE, "cert-file",
      "Our certificate chain (PEM) for listening", DEFAULT_CERT_FILE);
  /**
   * GstPgsmSipBin:key-file:
   *
   * The private key of #GstPgsmSipBin:cert-file (PEM).
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_KEY_FILE, "key-file",
      "Private key of cert-file (PEM)", DEFAULT_KEY_FILE);
  /**
   * GstPgsmSipBin:auto-answer:
   *
   * Answer incoming calls at once (when their offer is acceptable).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_AUTO_ANSWER,
      g_param_spec_boolean ("auto-answer", "Auto answer",
          "Answer acceptable incoming calls at once", DEFAULT_AUTO_ANSWER,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstPgsmSipBin:srtp-suites:
   *
   * Comma-separated SDES crypto suites, in offer order.
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_SRTP_SUITES, "srtp-suites",
      "Comma-separated SRTP suites, in offer order", DEFAULT_SRTP_SUITES);
  /**
   * GstPgsmSipBin:codecs:
   *
   * Comma-separated codecs, in offer order: PCMU, PCMA, opus (RFC 7587,
   * offered on payload type 111; left out when its elements are not
   * installed).
   *
   * Since: 0.1
   */
  install_string_prop (gobject_class, PROP_CODECS, "codecs",
      "Comma-separated codecs in offer order (PCMU, PCMA, opus)",
      DEFAULT_CODECS);
  /**
   * GstPgsmSipBin:allow-insecure-signaling:
   *
   * Allow `sip:` (non-TLS) signalling. SDES keys then travel in clear: this
   * exists only for the site's inside leg, behind the PBX.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class,
      PROP_ALLOW_INSECURE_SIGNALING,
      g_param_spec_boolean ("allow-insecure-signaling",
          "Allow insecure signaling",
          "Allow sip: (non-TLS) signalling; only for the site's inside leg",
          DEFAULT_ALLOW_INSECURE_SIGNALING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:media-encryption:
   *
   * `srtp` (the default): RTP/SAVP with SDES keys, and every offer or
   * answer without a usable key is refused. `none`: clear RTP/AVP without
   * keys, and RTP/SAVP offers are refused with 488. `none` exists only for
   * the site's inside leg (the PBX side of End-To-Site, see
   * examples/site-gateway), where audio is clear by design; the bin
   * refuses to start with it unless allow-insecure-signaling is true. Such
   * calls post `clear` where a secure call posts `secured`.
   *
   * Since: 0.1
   */
  gst_type_mark_as_plugin_api (GST_TYPE_PGSM_SIP_MEDIA_ENCRYPTION, 0);
  g_object_class_install_property (gobject_class, PROP_MEDIA_ENCRYPTION,
      g_param_spec_enum ("media-encryption", "Media encryption",
          "srtp (default) or none: clear RTP, only for the site's inside "
          "leg (needs allow-insecure-signaling)",
          GST_TYPE_PGSM_SIP_MEDIA_ENCRYPTION, DEFAULT_MEDIA_ENCRYPTION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:max-calls:
   *
   * Most simultaneous calls, outgoing and incoming together; an INVITE
   * beyond them is answered 486 Busy Here. The first call uses the `sink`
   * and `src` pads; the call in slot n (1, 2...) sends what enters the
   * request pad `sink_n` (or, if the application did not request it
   * before the call started, what enters `sink`) and its audio comes out
   * of the sometimes pad `src_n`, added when the call is secured and
   * removed when it ends. `secured` names the pads of each call.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MAX_CALLS,
      g_param_spec_uint ("max-calls", "Max calls",
          "Most simultaneous calls", 1, MAX_CALLS, DEFAULT_MAX_CALLS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:rtp-port-min:
   *
   * Lowest local RTP port (0 with rtp-port-max 0: any free pair).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_PORT_MIN,
      g_param_spec_uint ("rtp-port-min", "RTP port min",
          "Lowest local RTP port (0 = any)", 0, 65534, DEFAULT_RTP_PORT_MIN,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));
  /**
   * GstPgsmSipBin:rtp-port-max:
   *
   * Highest local RTP port (0 = any).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_RTP_PORT_MAX,
      g_param_spec_uint ("rtp-port-max", "RTP port max",
          "Highest local RTP port (0 = any)", 0, 65535, DEFAULT_RTP_PORT_MAX,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmSipBin:media-timeout:
   *
   * Seconds without one authenticated SRTP packet from the other side,
   * while it should be sending (not on hold), after which the call ends
   * (`ended` with the reason, a BYE, a WARNING): a peer that vanished
   * without a BYE. 0 disables the watch. Taken when a call starts.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_MEDIA_TIMEOUT,
      g_param_spec_uint ("media-timeout", "Media timeout",
          "Seconds without authenticated SRTP from the other side (not on "
          "hold) after which the call ends; 0 = never", 0, 3600,
          DEFAULT_MEDIA_TIMEOUT, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstPgsmSipBin:latency:
   *
   * Milliseconds a call's jitter buffer waits for late or reordered
   * packets; the audio out of `src` is that much behind the network. The
   * first audio does not wait that long: the jitter buffer starts with
   * the first packet. Lower it on a LAN (20 gives first audio about 20 ms
   * sooner, docs/performance.md), raise it on jittery links. Taken when a
   * call's media start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_LATENCY,
      g_param_spec_uint ("latency", "Latency",
          "Jitter buffer latency of each call in ms (taken when its media "
          "start)", 0, 2000, DEFAULT_LATENCY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_PLAYING));

  /**
   * GstPgsmSipBin::call:
   * @uri: the SIP URI to call
   *
   * Starts a call. Returns its call-id, or %NULL when it cannot start.
   *
   * Since: 0.1
   */
  signals[SIGNAL_CALL] = g_signal_new_class_handler ("call",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_call), NULL, NULL, NULL,
      G_TYPE_STRING, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::answer:
   * @call_id: an incoming call
   *
   * Answers an incoming call whose offer was acceptable.
   *
   * Since: 0.1
   */
  signals[SIGNAL_ANSWER] = g_signal_new_class_handler ("answer",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_answer), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::reject:
   * @call_id: an incoming call
   * @status: the SIP status (4xx-6xx), e.g. 486 or 603
   *
   * Since: 0.1
   */
  signals[SIGNAL_REJECT] = g_signal_new_class_handler ("reject",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_reject), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_UINT);
  /**
   * GstPgsmSipBin::hangup:
   * @call_id: a call
   *
   * Ends a call: BYE, CANCEL or 603 as its state requires.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HANGUP] = g_signal_new_class_handler ("hangup",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_hangup), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::hold:
   * @call_id: a secured call
   *
   * Puts the call on hold (RFC 3264 8.4): a re-INVITE offering `sendonly`
   * with the same keys. Audio on `sink` keeps going to the other side (play
   * music on hold there, or nothing); the other side stops sending. Both
   * sides post `held`. Returns %FALSE when the call has no media yet or a
   * re-INVITE is already in progress.
   *
   * Since: 0.1
   */
  signals[SIGNAL_HOLD] = g_signal_new_class_handler ("hold",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_hold), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::resume:
   * @call_id: a call we put on hold
   *
   * Takes the call off hold: a re-INVITE offering `sendrecv`; both sides
   * post `secured` again and audio flows both ways.
   *
   * Since: 0.1
   */
  signals[SIGNAL_RESUME] = g_signal_new_class_handler ("resume",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_resume), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::rekey:
   * @call_id: a secured call
   *
   * Sends a re-INVITE with a fresh key for what we send (RFC 4568 7.1.4);
   * the SRTP streams keep their rollover counters. Both sides post
   * `secured` again when the new key is in use.
   *
   * Since: 0.1
   */
  signals[SIGNAL_REKEY] = g_signal_new_class_handler ("rekey",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_rekey), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstPgsmSipBin::send-dtmf:
   * @call_id: a secured call
   * @digits: one or more of `0123456789*#ABCD` (at most 64 queued)
   *
   * Sends the digits as RFC 4733 telephone-events in the call's SRTP
   * stream, one after the other (160 ms each, 80 ms apart). Returns %FALSE
   * when the call did not negotiate telephone-event, is held by the other
   * side, or @digits is not valid. The other side's digits arrive as
   * `pgsm-dtmf` element messages.
   *
   * Since: 0.1
   */
  signals[SIGNAL_SEND_DTMF] = g_signal_new_class_handler ("send-dtmf",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (gst_pgsm_sip_bin_send_dtmf), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class,
      &sink_slot_template);
  gst_element_class_add_static_pad_template (element_class, &src_slot_template);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_pgsm_sip_bin_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_pgsm_sip_bin_release_pad);
  gst_element_class_set_static_metadata (element_class,
      "Secure SIP call bin", "Source/Sink/Network/Audio",
      "Secure voice calls: SIP over TLS with strict certificate checks and "
      "SDES-SRTP media", "gst-pgsm contributors");
}

/* An audio input: audioconvert -> audioresample -> 8 kHz mono S16 -> tee,
 * added to the bin; a call takes a branch of the tee, which drops buffers
 * while there is none. Returns the tee; *@elements gets every element
 * (to remove them with the input) and *@sink the convert's sink pad. */
static GstElement *
make_input (GstPgsmSipBin * self, const gchar * suffix, GPtrArray * elements,
    GstPad ** sink)
{
  GstElement *e[4];
  GstCaps *caps;
  gchar *name;
  guint i;
  const gchar *factories[] = { "audioconvert", "audioresample", "capsfilter",
    "tee"
  };
  const gchar *names[] = { "in_convert", "in_resample", "in_caps", "in_tee" };

  for (i = 0; i < 4; i++) {
    name = g_strconcat (names[i], suffix, NULL);
    e[i] = gst_element_factory_make (factories[i], name);
    g_free (name);
    gst_bin_add (GST_BIN (self), e[i]);
    if (elements != NULL)
      g_ptr_array_add (elements, gst_object_ref (e[i]));
  }
  caps = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=8000,"
      "channels=1,layout=interleaved");
  g_object_set (e[2], "caps", caps, NULL);
  gst_caps_unref (caps);
  g_object_set (e[3], "allow-not-linked", TRUE, NULL);
  gst_element_link_many (e[0], e[1], e[2], e[3], NULL);
  *sink = gst_element_get_static_pad (e[0], "sink");
  return e[3];
}

/* sink -> the main input, the one of the call in slot 0 (and of calls in
 * other slots whose sink_n was not requested) */
static void
gst_pgsm_sip_bin_init (GstPgsmSipBin * self)
{
  GstElementClass *klass = GST_ELEMENT_GET_CLASS (self);
  GstPad *pad;

  g_mutex_init (&self->call_lock);
  self->props.listen_uri = g_strdup (DEFAULT_LISTEN_URI);
  self->props.srtp_suites = g_strdup (DEFAULT_SRTP_SUITES);
  self->props.codecs = g_strdup (DEFAULT_CODECS);
  self->props.use_system_ca = DEFAULT_USE_SYSTEM_CA;
  self->props.auto_answer = DEFAULT_AUTO_ANSWER;
  self->props.allow_insecure = DEFAULT_ALLOW_INSECURE_SIGNALING;
  self->props.media_encryption = DEFAULT_MEDIA_ENCRYPTION;
  self->props.rtp_port_min = DEFAULT_RTP_PORT_MIN;
  self->props.rtp_port_max = DEFAULT_RTP_PORT_MAX;
  self->props.media_timeout = DEFAULT_MEDIA_TIMEOUT;
  self->props.latency = DEFAULT_LATENCY;
  self->props.max_calls = DEFAULT_MAX_CALLS;
  self->calls = g_ptr_array_new ();
  g_cond_init (&self->setup_cond);

  self->tee = make_input (self, "", NULL, &pad);
  self->sinkpad = gst_ghost_pad_new_from_template ("sink", pad,
      gst_element_class_get_pad_template (klass, "sink"));
  gst_object_unref (pad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_ghost_pad_new_no_target_from_template ("src",
      gst_element_class_get_pad_template (klass, "src"));
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}

static void
settings_clear (Settings * s)
{
  g_free (s->local_uri);
  g_free (s->listen_uri);
  g_free (s->ca_file);
  g_free (s->crl_file);
  g_free (s->pinned_sha256);
  g_free (s->cert_file);
  g_free (s->key_file);
  g_free (s->srtp_suites);
  g_free (s->codecs);
  g_free (s->registrar);
  g_free (s->proxy);
  g_free (s->username);
  if (s->password != NULL)
    memset (s->password, 0, strlen (s->password));
  g_free (s->password);
  memset (s, 0, sizeof (*s));
}

static void
settings_copy_locked (GstPgsmSipBin * self, Settings * s)
{
  *s = self->props;
  s->local_uri = g_strdup (self->props.local_uri);
  s->listen_uri = g_strdup (self->props.listen_uri);
  s->ca_file = g_strdup (self->props.ca_file);
  s->crl_file = g_strdup (self->props.crl_file);
  s->pinned_sha256 = g_strdup (self->props.pinned_sha256);
  s->cert_file = g_strdup (self->props.cert_file);
  s->key_file = g_strdup (self->props.key_file);
  s->srtp_suites = g_strdup (self->props.srtp_suites);
  s->codecs = g_strdup (self->props.codecs);
  s->registrar = g_strdup (self->props.registrar);
  s->proxy = g_strdup (self->props.proxy);
  s->username = g_strdup (self->props.username);
  s->password = g_strdup (self->props.password);
}

static void
settings_snapshot (GstPgsmSipBin * self, Settings * s)
{
  GST_OBJECT_LOCK (self);
  settings_copy_locked (self, s);
  GST_OBJECT_UNLOCK (self);
}

static void
call_free (Call * call)
{
  media_watch_stop (call);
  g_free (call->call_id);
  g_free (call->remote_uri);
  g_free (call->host);
  g_free (call->media_address);
  g_clear_pointer (&call->suites, g_array_unref);
  g_clear_pointer (&call->pts, g_array_unref);
  g_clear_object (&call->rtp_socket);
  g_clear_object (&call->rtcp_socket);
  g_clear_pointer (&call->offer, pgsm_sdp_offer_free);
  g_clear_pointer (&call->decision, pgsm_sdp_decision_free);
  g_clear_pointer (&call->reoffer, pgsm_sdp_offer_free);
  g_clear_pointer (&call->elements, g_ptr_array_unref);
  g_clear_object (&call->setup_cancel);
  g_clear_object (&call->tee);
  g_clear_object (&call->src_ghost);
  g_clear_object (&call->srtpenc);
  g_clear_object (&call->srtpdec);
  g_clear_object (&call->depay);
  g_clear_object (&call->valve);
  g_clear_object (&call->dtmfsrc);
  g_clear_pointer (&call->dtmf, gst_pgsm_dtmf_sender_unref);
  g_clear_object (&call->rtp_sink);
  g_clear_object (&call->rtp_src);
  g_clear_object (&call->rtcp_sink);
  g_free (call->peer_sha256);
  g_free (call->tls_description);
  g_free (call);
}

static void
gst_pgsm_sip_bin_finalize (GObject * object)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (object);

  settings_clear (&self->props);
  g_free (self->remote_uri);
  g_free (self->cert_dir);
  g_ptr_array_unref (self->calls);
  g_cond_clear (&self->setup_cond);
  g_mutex_clear (&self->call_lock);
  G_OBJECT_CLASS (gst_pgsm_sip_bin_parent_class)->finalize (object);
}

static void
set_string (gchar ** field, const GValue * value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

static void
gst_pgsm_sip_bin_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCAL_URI:
      set_string (&self->props.local_uri, value);
      break;
    case PROP_LISTEN_URI:
      set_string (&self->props.listen_uri, value);
      break;
    case PROP_REGISTRAR:
      set_string (&self->props.registrar, value);
      break;
    case PROP_PROXY:
      set_string (&self->props.proxy, value);
      break;
    case PROP_USERNAME:
      set_string (&self->props.username, value);
      break;
    case PROP_PASSWORD:
      if (self->props.password != NULL)
        memset (self->props.password, 0, strlen (self->props.password));
      set_string (&self->props.password, value);
      break;
    case PROP_REMOTE_URI:
      set_string (&self->remote_uri, value);
      break;
    case PROP_CA_FILE:
      set_string (&self->props.ca_file, value);
      break;
    case PROP_USE_SYSTEM_CA:
      self->props.use_system_ca = g_value_get_boolean (value);
      break;
    case PROP_CRL_FILE:
      set_string (&self->props.crl_file, value);
      break;
    case PROP_PINNED_SHA256:
      set_string (&self->props.pinned_sha256, value);
      break;
    case PROP_CERT_FILE:
      set_string (&self->props.cert_file, value);
      break;
    case PROP_KEY_FILE:
      set_string (&self->props.key_file, value);
      break;
    case PROP_AUTO_ANSWER:
      self->props.auto_answer = g_value_get_boolean (value);
      break;
    case PROP_SRTP_SUITES:
      set_string (&self->props.srtp_suites, value);
      break;
    case PROP_CODECS:
      set_string (&self->props.codecs, value);
      break;
    case PROP_ALLOW_INSECURE_SIGNALING:
      self->props.allow_insecure = g_value_get_boolean (value);
      break;
    case PROP_MEDIA_ENCRYPTION:
      self->props.media_encryption = g_value_get_enum (value);
      break;
    case PROP_MAX_CALLS:
      self->props.max_calls = g_value_get_uint (value);
      break;
    case PROP_RTP_PORT_MIN:
      self->props.rtp_port_min = g_value_get_uint (value);
      break;
    case PROP_RTP_PORT_MAX:
      self->props.rtp_port_max = g_value_get_uint (value);
      break;
    case PROP_MEDIA_TIMEOUT:
      self->props.media_timeout = g_value_get_uint (value);
      break;
    case PROP_LATENCY:
      self->props.latency = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pgsm_sip_bin_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_LOCAL_URI:
      g_value_set_string (value, self->props.local_uri);
      break;
    case PROP_LISTEN_URI:
      g_value_set_string (value, self->props.listen_uri);
      break;
    case PROP_REGISTRAR:
      g_value_set_string (value, self->props.registrar);
      break;
    case PROP_PROXY:
      g_value_set_string (value, self->props.proxy);
      break;
    case PROP_USERNAME:
      g_value_set_string (value, self->props.username);
      break;
    case PROP_BOUND_PORT:
      g_value_set_uint (value, self->bound_port);
      break;
    case PROP_REMOTE_URI:
      g_value_set_string (value, self->remote_uri);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->props.ca_file);
      break;
    case PROP_USE_SYSTEM_CA:
      g_value_set_boolean (value, self->props.use_system_ca);
      break;
    case PROP_CRL_FILE:
      g_value_set_string (value, self->props.crl_file);
      break;
    case PROP_PINNED_SHA256:
      g_value_set_string (value, self->props.pinned_sha256);
      break;
    case PROP_CERT_FILE:
      g_value_set_string (value, self->props.cert_file);
      break;
    case PROP_KEY_FILE:
      g_value_set_string (value, self->props.key_file);
      break;
    case PROP_AUTO_ANSWER:
      g_value_set_boolean (value, self->props.auto_answer);
      break;
    case PROP_SRTP_SUITES:
      g_value_set_string (value, self->props.srtp_suites);
      break;
    case PROP_CODECS:
      g_value_set_string (value, self->props.codecs);
      break;
    case PROP_ALLOW_INSECURE_SIGNALING:
      g_value_set_boolean (value, self->props.allow_insecure);
      break;
    case PROP_MEDIA_ENCRYPTION:
      g_value_set_enum (value, self->props.media_encryption);
      break;
    case PROP_MAX_CALLS:
      g_value_set_uint (value, self->props.max_calls);
      break;
    case PROP_RTP_PORT_MIN:
      g_value_set_uint (value, self->props.rtp_port_min);
      break;
    case PROP_RTP_PORT_MAX:
      g_value_set_uint (value, self->props.rtp_port_max);
      break;
    case PROP_MEDIA_TIMEOUT:
      g_value_set_uint (value, self->props.media_timeout);
      break;
    case PROP_LATENCY:
      g_value_set_uint (value, self->props.latency);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ---- helpers ---------------------------------------------------------- */

/* Posts a `pgsm-call` element message; @first_field... as
 * gst_structure_set(), NULL-terminated. */
static void
post_call (GstPgsmSipBin * self, const gchar * state, const gchar * call_id,
    const gchar * first_field, ...)
{
  GstStructure *s;
  va_list ap;

  s = gst_structure_new ("pgsm-call", "state", G_TYPE_STRING, state,
      "call-id", G_TYPE_STRING, call_id ? call_id : "", NULL);
  if (first_field != NULL) {
    va_start (ap, first_field);
    gst_structure_set_valist (s, first_field, ap);
    va_end (ap);
  }
  GST_INFO_OBJECT (self, "call %s: %s", call_id ? call_id : "-", state);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

/* A port in decimal, 0..65535, or -1 */
static gint
parse_port (const gchar * text)
{
  guint64 v;

  if (!g_ascii_string_to_unsigned (text, 10, 0, 65535, &v, NULL))
    return -1;
  return (gint) v;
}

/* Splits `sip[s]:[user@]host[:port][;params]`; @host is set only on
 * success */
static gboolean
parse_sip_uri (const gchar * uri, gboolean port_zero_ok, gboolean * tls,
    gchar ** host, guint * port)
{
  const gchar *p;
  gchar *hostport, *h = NULL, *sep = NULL;
  gint n = -1;

  if (uri == NULL)
    return FALSE;
  if (g_ascii_strncasecmp (uri, "sips:", 5) == 0) {
    *tls = TRUE;
    p = uri + 5;
  } else if (g_ascii_strncasecmp (uri, "sip:", 4) == 0) {
    *tls = FALSE;
    p = uri + 4;
  } else {
    return FALSE;
  }
  if (strchr (p, '@') != NULL)
    p = strchr (p, '@') + 1;
  hostport = g_strndup (p, strcspn (p, ";?>"));
  if (hostport[0] == '[') {
    gchar *close = strchr (hostport, ']');

    if (close != NULL) {
      h = g_strndup (hostport + 1, close - hostport - 1);
      sep = close[1] == ':' ? close + 1 : (close[1] == '\0' ? close + 1 : NULL);
    }
  } else {
    sep = strrchr (hostport, ':');
    h = sep ? g_strndup (hostport, sep - hostport) : g_strdup (hostport);
    if (sep == NULL)
      sep = hostport + strlen (hostport);
  }
  if (sep != NULL)
    n = *sep == ':' ? parse_port (sep + 1) : (*tls ? 5061 : 5060);
  g_free (hostport);
  if (h == NULL || *h == '\0' || n < 0 || (n == 0 && !port_zero_ok)) {
    g_free (h);
    return FALSE;
  }
  *host = h;
  *port = n;
  return TRUE;
}

/* The local address the kernel would use toward @host (no packet is sent) */
static gchar *
local_address_toward (const gchar * host)
{
  GInetAddress *remote = g_inet_address_new_from_string (host);
  GSocketAddress *sa = NULL, *local = NULL;
  GSocket *sock = NULL;
  gchar *result = NULL;

  if (remote == NULL) {
    GResolver *resolver = g_resolver_get_default ();
    GList *list = g_resolver_lookup_by_name (resolver, host, NULL, NULL);

    if (list != NULL)
      remote = g_object_ref (list->data);
    g_resolver_free_addresses (list);
    g_object_unref (resolver);
    if (remote == NULL)
      return NULL;
  }
  sock = g_socket_new (g_inet_address_get_family (remote),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  sa = g_inet_socket_address_new (remote, 9);
  if (sock != NULL && g_socket_connect (sock, sa, NULL, NULL))
    local = g_socket_get_local_address (sock, NULL);
  if (local != NULL)
    result = g_inet_address_to_string (g_inet_socket_address_get_address
        (G_INET_SOCKET_ADDRESS (local)));
  g_clear_object (&local);
  g_clear_object (&sa);
  g_clear_object (&sock);
  g_object_unref (remote);
  return result;
}

static GSocket *
bind_udp (GInetAddress * addr, guint port)
{
  GSocket *sock;
  GSocketAddress *sa;
  gboolean ok;

  sock = g_socket_new (g_inet_address_get_family (addr),
      G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  if (sock == NULL)
    return NULL;
  sa = g_inet_socket_address_new (addr, port);
  ok = g_socket_bind (sock, sa, FALSE, NULL);
  g_object_unref (sa);
  if (!ok)
    g_clear_object (&sock);
  return sock;
}

static guint
socket_port (GSocket * sock)
{
  GSocketAddress *sa = g_socket_get_local_address (sock, NULL);
  guint port = 0;

  if (sa != NULL)
    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
  g_clear_object (&sa);
  return port;
}

/* An RTP socket on an even port and the RTCP socket on the next one, in
 * [min, max] or anywhere when both are 0 */
static gboolean
alloc_media_sockets (Call * call, const Settings * st, GError ** error)
{
  GInetAddress *addr = g_inet_address_new_from_string (call->media_address);
  guint attempt, port = 0;
  gboolean any = st->rtp_port_min == 0 && st->rtp_port_max == 0;
  guint min = any ? 0 : (st->rtp_port_min + 1) & ~1u;
  guint max = any ? 0 : st->rtp_port_max;

  if (addr == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "bad media address %s", call->media_address);
    return FALSE;
  }
  /* any: up to 64 kernel picks for an even port; a range: every pair */
  for (attempt = 0; any ? attempt < 64 : min + 2 * attempt + 1 <= max;
      attempt++) {
    if (any) {
      call->rtp_socket = bind_udp (addr, 0);
      port = call->rtp_socket ? socket_port (call->rtp_socket) : 0;
      if (port == 0 || port >= 65535 || (port & 1)) {
        g_clear_object (&call->rtp_socket);
        continue;
      }
    } else {
      port = min + 2 * attempt;
      call->rtp_socket = bind_udp (addr, port);
      if (call->rtp_socket == NULL)
        continue;
    }
    call->rtcp_socket = bind_udp (addr, port + 1);
    if (call->rtcp_socket != NULL) {
      call->rtp_port = port;
      g_object_unref (addr);
      return TRUE;
    }
    g_clear_object (&call->rtp_socket);
  }
  g_object_unref (addr);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
      "no free RTP/RTCP port pair on %s", call->media_address);
  return FALSE;
}

/* encoder, payloader, depayloader, decoder of each codec */
static const gchar *const pcmu_elements[] = { "mulawenc", "rtppcmupay",
  "rtppcmudepay", "mulawdec"
};

static const gchar *const pcma_elements[] = { "alawenc", "rtppcmapay",
  "rtppcmadepay", "alawdec"
};

static const gchar *const opus_elements[] = { "opusenc", "rtpopuspay",
  "rtpopusdepay", "opusdec"
};

static const gchar *const *
codec_elements (const gchar * encoding_name)
{
  if (g_strcmp0 (encoding_name, "OPUS") == 0)
    return opus_elements;
  if (g_strcmp0 (encoding_name, "PCMA") == 0)
    return pcma_elements;
  return pcmu_elements;
}

static gboolean have_factory (const gchar * name);

/* The codecs of @list we can carry (their four elements are installed), as
 * our payload types, in the list's order */
static gboolean
parse_codecs (const gchar * list, GArray * pts)
{
  g_auto (GStrv) names = g_strsplit_set (list ? list : "", ", ", -1);
  guint i, j;

  for (i = 0; names[i] != NULL; i++) {
    const gchar *const *chain;
    gboolean present = TRUE;
    guint pt;

    if (g_ascii_strcasecmp (names[i], "PCMU") == 0)
      pt = PGSM_SDP_PT_PCMU;
    else if (g_ascii_strcasecmp (names[i], "PCMA") == 0)
      pt = PGSM_SDP_PT_PCMA;
    else if (g_ascii_strcasecmp (names[i], "opus") == 0)
      pt = PGSM_SDP_PT_OPUS;
    else
      continue;
    chain = codec_elements (pgsm_sdp_encoding_name (pt));
    for (j = 0; j < 4; j++)
      present = present && have_factory (chain[j]);
    if (present)
      g_array_append_val (pts, pt);
  }
  return pts->len > 0;
}

static void
local_from_call (const Call * call, PgsmSdpLocal * local)
{
  memset (local, 0, sizeof (*local));
  local->address = call->media_address;
  local->rtp_port = call->rtp_port;
  local->suites = (const PgsmSrtpSuite *) call->suites->data;
  local->n_suites = call->suites->len;
  local->payload_types = (const guint *) call->pts->data;
  local->n_payload_types = call->pts->len;
  local->session_id = call->sdp_session_id;
  local->session_version = call->sdp_version;
  local->direction = call->want;
  local->dtmf_payload_type = call->dtmf_payload_type;
  local->clear_media = call->clear_media;
}

/* For a re-INVITE in a call with media: the suite and codec in force (they
 * are not renegotiated), and the key we send with unless @rekey */
static void
local_for_reinvite (const Call * call, PgsmSdpLocal * local, gboolean rekey)
{
  local_from_call (call, local);
  local->suites = &call->decision->suite;
  local->n_suites = 1;
  local->payload_types = &call->decision->codec_id;
  local->n_payload_types = 1;
  /* the media were built with or without telephone-events: keep that */
  local->dtmf_payload_type = call->decision->dtmf_payload_type;
  if (!rekey)
    local->current_crypto = call->decision->local_crypto;
}

static gboolean
have_factory (const gchar * name)
{
  GstElementFactory *f = gst_element_factory_find (name);

  if (f == NULL)
    return FALSE;
  gst_object_unref (f);
  return TRUE;
}

/* Suites, codecs and media sockets of a new call; an ERROR when the
 * configuration is unusable */
static gboolean
call_prepare (GstPgsmSipBin * self, Call * call, const Settings * st,
    const gchar * toward)
{
  g_autoptr (GError) err = NULL;

  call->suites = g_array_new (FALSE, FALSE, sizeof (PgsmSrtpSuite));
  call->pts = g_array_new (FALSE, FALSE, sizeof (guint));
  call->sdp_session_id = (guint64) g_get_real_time ();
  call->media_timeout = st->media_timeout;
  call->latency = st->latency;
  call->clear_media =
      st->media_encryption == GST_PGSM_SIP_MEDIA_ENCRYPTION_NONE;
  if (have_factory ("rtpdtmfsrc") && have_factory ("rtpdtmfmux")
      && have_factory ("rtpdtmfdepay"))
    call->dtmf_payload_type = PGSM_SDP_PT_TELEPHONE_EVENT;
  if (!call->clear_media && !pgsm_sdp_parse_suites (st->srtp_suites ?
          st->srtp_suites : "", call->suites, &err)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Invalid SRTP suite list.")), ("srtp-suites: %s", err->message));
    return FALSE;
  }
  if (!parse_codecs (st->codecs, call->pts)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("No usable audio codec configured.")), ("codecs: '%s'",
            st->codecs ? st->codecs : ""));
    return FALSE;
  }
  call->media_address = local_address_toward (toward);
  if (call->media_address == NULL)
    call->media_address = g_strdup ("127.0.0.1");
  if (!alloc_media_sockets (call, st, &err)) {
    /* a listener keeps running for the next call: a WARNING there */
    if (call->outgoing)
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          (_("Could not open the RTP sockets.")), ("%s", err->message));
    else
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
          (_("Could not open the RTP sockets.")), ("%s", err->message));
    call->no_ports = TRUE;
    return FALSE;
  }
  return TRUE;
}

/* ---- media ------------------------------------------------------------ */

static gboolean
direction_sends (PgsmSdpDirection direction)
{
  return direction == PGSM_SDP_SENDRECV || direction == PGSM_SDP_SENDONLY;
}

static GstElement *
make (Call * call, GstBin * bin, const gchar * factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    return NULL;
  gst_bin_add (bin, e);
  g_ptr_array_add (call->elements, gst_object_ref (e));
  return e;
}

/* rtpbin looks up the encoder's rtp[c]_src_N and rtp[c]_sink_N as static
 * pads: request the sink pad (which makes its src twin) before handing the
 * encoder out, as webrtcbin does */
static GstElement *
hand_out_encoder (Call * call, const gchar * prefix, guint session)
{
  gchar *name;
  GstPad *pad;

  if (call->srtpenc == NULL)
    return NULL;
  name = g_strdup_printf ("%s_sink_%u", prefix, session);
  pad = gst_element_get_static_pad (call->srtpenc, name);
  if (pad == NULL)
    pad = gst_element_request_pad_simple (call->srtpenc, name);
  g_free (name);
  if (pad == NULL)
    return NULL;
  gst_object_unref (pad);
  return gst_object_ref (call->srtpenc);
}

static GstElement *
request_rtp_encoder_cb (GstElement * rtpbin, guint session, Call * call)
{
  return hand_out_encoder (call, "rtp", session);
}

static GstElement *
request_rtcp_encoder_cb (GstElement * rtpbin, guint session, Call * call)
{
  return hand_out_encoder (call, "rtcp", session);
}

static GstElement *
request_decoder_cb (GstElement * rtpbin, guint session, Call * call)
{
  return call->srtpdec ? gst_object_ref (call->srtpdec) : NULL;
}

/* What rtpbin's receiving side needs from the call, fixed when the media
 * start (the streaming threads read it without call_lock). rtpbin gives
 * each source (SSRC) of the other side a pad of its own: a funnel before
 * each depayloader takes them all, so a sender that changes its SSRC (a
 * restart, a media relay) keeps being heard instead of ending on an
 * unlinked pad. */
typedef struct
{
  GstElement *depay;            /* audio: the funnel before it */
  GstElement *dtmfdepay;        /* telephone-events: the same, or NULL */
  guint pt;
  guint dtmf_pt;
  const gchar *encoding_name;
  guint clock_rate;
} RecvMap;

static void
recv_map_clear (RecvMap * map)
{
  gst_clear_object (&map->depay);
  gst_clear_object (&map->dtmfdepay);
}

static void
recv_map_release (RecvMap * map)
{
  g_rc_box_release_full (map, (GDestroyNotify) recv_map_clear);
}

/* recv_rtp_src_<session>_<ssrc>_<pt>: audio to the depayloader, events to
 * rtpdtmfdepay */
static void
rtpbin_pad_added_cb (GstElement * rtpbin, GstPad * pad, RecvMap * map)
{
  GstElement *target = NULL;
  GstPad *sink;
  guint session, ssrc, pt;

  if (sscanf (GST_PAD_NAME (pad), "recv_rtp_src_%u_%u_%u", &session, &ssrc,
          &pt) != 3)
    return;
  if (pt == map->pt)
    target = map->depay;
  else if (map->dtmfdepay != NULL && pt == map->dtmf_pt)
    target = map->dtmfdepay;
  if (target == NULL)
    return;
  sink = gst_element_request_pad_simple (target, "sink_%u");
  if (sink == NULL)
    return;
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    gst_element_release_request_pad (target, sink);
  gst_object_unref (sink);
}

/* A source of the other side went away (BYE, timeout): its funnel pad too */
static void
rtpbin_pad_removed_cb (GstElement * rtpbin, GstPad * pad, RecvMap * map)
{
  GstPad *peer = gst_pad_get_peer (pad);
  GstElement *funnel;

  if (peer == NULL)
    return;
  funnel = gst_pad_get_parent_element (peer);
  if (funnel == map->depay || (funnel != NULL && funnel == map->dtmfdepay)) {
    gst_pad_unlink (pad, peer);
    gst_element_release_request_pad (funnel, peer);
  }
  gst_clear_object (&funnel);
  gst_object_unref (peer);
}

static GstCaps *
request_pt_map_cb (GstElement * rtpbin, guint session, guint pt, RecvMap * map)
{
  const gchar *name;
  guint rate = 8000;

  if (pt == map->pt) {
    name = map->encoding_name;
    rate = map->clock_rate;
  } else if (map->dtmfdepay != NULL && pt == map->dtmf_pt) {
    name = "TELEPHONE-EVENT";
  } else {
    return NULL;
  }
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING,
      "audio", "clock-rate", G_TYPE_INT, (gint) rate, "encoding-name",
      G_TYPE_STRING, name, "payload", G_TYPE_INT, (gint) pt, NULL);
}

/* The SRTP elements, keyed from the decision. Fail closed: without them no
 * media element is created at all. */
static gboolean
make_srtp (GstPgsmSipBin * self, Call * call)
{
  gchar *crypto;

  call->srtpenc = gst_element_factory_make ("pgsmsrtpenc", NULL);
  call->srtpdec = gst_element_factory_make ("pgsmsrtpdec", NULL);
  if (call->srtpenc == NULL || call->srtpdec == NULL) {
    g_clear_object (&call->srtpenc);
    g_clear_object (&call->srtpdec);
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        (_("The SRTP elements are missing: the call cannot be secured.")),
        ("pgsmsrtpenc or pgsmsrtpdec not found (plugin pgsmsrtp)"));
    return FALSE;
  }
  gst_object_ref_sink (call->srtpenc);
  gst_object_ref_sink (call->srtpdec);
  /* the key strings are wiped before they are freed */
  crypto = pgsm_crypto_attribute_to_string (call->decision->local_crypto);
  g_object_set (call->srtpenc, "crypto", crypto, NULL);
  memset (crypto, 0, strlen (crypto));
  g_free (crypto);
  crypto = pgsm_crypto_attribute_to_string (call->decision->remote_crypto);
  g_object_set (call->srtpdec, "crypto", crypto, NULL);
  memset (crypto, 0, strlen (crypto));
  g_free (crypto);
  return TRUE;
}

static GstElement *
make_udpsrc (Call * call, GstBin * bin, GSocket * sock, const gchar * caps)
{
  GstElement *src = make (call, bin, "udpsrc");
  GstCaps *c = gst_caps_from_string (caps);

  g_object_set (src, "socket", sock, "close-socket", FALSE, "caps", c, NULL);
  gst_caps_unref (c);
  return src;
}

static GstElement *
make_udpsink (Call * call, GstBin * bin, GSocket * sock, const gchar * host,
    guint port)
{
  GstElement *sink = make (call, bin, "udpsink");

  /* symmetric RTP: send from the socket we receive on */
  g_object_set (sink, "socket", sock, "close-socket", FALSE, "host", host,
      "port", port, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

static gboolean
link_pads (GstElement * src, const gchar * srcname, GstElement * sink,
    const gchar * sinkname)
{
  return gst_element_link_pads (src, srcname, sink, sinkname);
}

/* ---- media watch: a peer that vanished without a BYE ------------------ */

static gboolean
direction_receives (PgsmSdpDirection direction)
{
  return direction == PGSM_SDP_SENDRECV || direction == PGSM_SDP_RECVONLY;
}

/* Shared by the decoder's pad probe, a periodic wait on the system clock
 * and the call (refcounted, g_atomic_rc_box). The callbacks find the call
 * by its id under call_lock, never through a pointer. */
struct _MediaWatch
{
  GstPgsmSipBin *self;          /* strong reference, dropped when the watch
                                 * is unscheduled with the media */
  gchar *call_id;
  guint timeout_s;
  gint64 start_us;
  gint last_rx_ms;              /* atomic: milliseconds from start_us */
  GstClock *clock;
  GstClockID id;
};

static void
media_watch_clear (MediaWatch * w)
{
  gst_object_unref (w->self);
  g_free (w->call_id);
  if (w->id != NULL)
    gst_clock_id_unref (w->id);
  gst_object_unref (w->clock);
}

static void
media_watch_release (MediaWatch * w)
{
  g_atomic_rc_box_release_full (w, (GDestroyNotify) media_watch_clear);
}

static gint
media_watch_now (MediaWatch * w)
{
  return (gint) ((g_get_monotonic_time () - w->start_us) / 1000);
}

/* authenticated SRTP out of pgsmsrtpdec */
static GstPadProbeReturn
media_watch_probe (GstPad * pad, GstPadProbeInfo * info, MediaWatch * w)
{
  g_atomic_int_set (&w->last_rx_ms, media_watch_now (w));
  return GST_PAD_PROBE_OK;
}

/* Every MEDIA_WATCH_PERIOD_MS, on the system clock's thread */
static gboolean
media_watch_cb (GstClock * clock, GstClockTime time, GstClockID id,
    MediaWatch * w)
{
  GstPgsmSipBin *self = w->self;
  gint now = media_watch_now (w);
  Call *call;

  if (now - g_atomic_int_get (&w->last_rx_ms) < (gint) w->timeout_s * 1000)
    return TRUE;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, w->call_id);
  if (call == NULL || call->ended || call->watch != w) {
    /* gone meanwhile */
  } else if (!direction_receives (call->decision->direction)) {
    /* on hold: the other side is asked not to send */
    g_atomic_int_set (&w->last_rx_ms, now);
  } else {
    gchar *reason = g_strdup_printf ("no media from the other side for %u s",
        w->timeout_s);

    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        (_("The other side stopped sending audio; the call was ended.")),
        ("call %s: %s", w->call_id, reason));
    post_call (self, "ended", w->call_id, "status", G_TYPE_UINT, 0,
        "reason", G_TYPE_STRING, reason, NULL);
    g_free (reason);
    call->ended = TRUE;
    if (self->sofia != NULL)
      gst_pgsm_sofia_hangup (self->sofia, w->call_id);
    media_stop_unlocked (self, call);
    g_ptr_array_remove (self->calls, call);
    call_free (call);
  }
  g_mutex_unlock (&self->call_lock);
  return TRUE;
}

/* Starts watching what comes out of the call's decoder. Called with
 * call_lock. */
static void
media_watch_start (GstPgsmSipBin * self, Call * call)
{
  MediaWatch *w;
  GstPad *pad;

  if (call->media_timeout == 0)
    return;
  w = g_atomic_rc_box_new0 (MediaWatch);
  w->self = gst_object_ref (self);
  w->call_id = g_strdup (call->call_id);
  w->timeout_s = call->media_timeout;
  w->start_us = g_get_monotonic_time ();
  w->clock = gst_system_clock_obtain ();
  /* an SRTP call is alive while authentic packets arrive; a clear one
   * while any arrives */
  if (call->srtpdec != NULL)
    pad = gst_element_get_static_pad (call->srtpdec, "rtp_src");
  else
    pad = gst_element_get_static_pad (call->rtp_src, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_BUFFER_LIST, (GstPadProbeCallback) media_watch_probe,
      g_atomic_rc_box_acquire (w), (GDestroyNotify) media_watch_release);
  gst_object_unref (pad);
  w->id = gst_clock_new_periodic_id (w->clock,
      gst_clock_get_time (w->clock) + MEDIA_WATCH_PERIOD_MS * GST_MSECOND,
      MEDIA_WATCH_PERIOD_MS * GST_MSECOND);
  gst_clock_id_wait_async (w->id, (GstClockCallback) media_watch_cb,
      g_atomic_rc_box_acquire (w), (GDestroyNotify) media_watch_release);
  call->watch = w;
}

/* Called with call_lock */
static void
media_watch_stop (Call * call)
{
  MediaWatch *w = g_steal_pointer (&call->watch);

  if (w == NULL)
    return;
  gst_clock_id_unschedule (w->id);
  /* the clock entry holds a reference on the watch until the entry is
   * freed, and the watch held the entry: drop ours, or neither (nor the
   * bin the watch refers to, with every element and socket of the call)
   * is ever freed */
  g_clear_pointer (&w->id, gst_clock_id_unref);
  media_watch_release (w);
}

/* The jitter buffer waits `latency` for late and reordered packets, but
 * need not hold the first packet that long: it starts as soon as
 * JITTER_FASTSTART_PACKETS in sequence arrived (docs/performance.md
 * "Set-up time": 20 ms sooner first audio) */
static void
new_jitterbuffer_cb (GstElement * rtpbin, GstElement * jitterbuffer,
    guint session, guint ssrc, gpointer data)
{
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (jitterbuffer),
          "faststart-min-packets") != NULL)
    g_object_set (jitterbuffer, "faststart-min-packets",
        JITTER_FASTSTART_PACKETS, NULL);
}

/* Builds and starts the media of an accepted call. Called with call_lock. */
static gboolean
media_start_unlocked (GstPgsmSipBin * self, Call * call)
{
  GstBin *bin = GST_BIN (self);
  PgsmSdpDecision *d = call->decision;
  /* the elements of the codec: encoder, payloader, depayloader, decoder */
  const gchar *const *chain = codec_elements (d->encoding_name);
  GstElement *rtpbin, *queue, *enc, *pay, *dec, *conv, *res, *send;
  RecvMap *map;
  GstElement *rtp_src, *rtcp_src, *rtp_sink, *rtcp_sink;
  gchar *caps;
  GstPad *pad, *qsink;
  guint i;
  gboolean ok = TRUE;

  /* an SRTP call without its SRTP elements gets no media at all */
  if (!d->clear && !make_srtp (self, call))
    return FALSE;
  call->elements = g_ptr_array_new_with_free_func (gst_object_unref);

  rtpbin = make (call, bin, "rtpbin");
  g_object_set (rtpbin, "latency", call->latency, NULL);
  g_signal_connect (rtpbin, "new-jitterbuffer",
      G_CALLBACK (new_jitterbuffer_cb), NULL);
  if (!d->clear) {
    g_signal_connect (rtpbin, "request-rtp-encoder",
        G_CALLBACK (request_rtp_encoder_cb), call);
    g_signal_connect (rtpbin, "request-rtcp-encoder",
        G_CALLBACK (request_rtcp_encoder_cb), call);
    g_signal_connect (rtpbin, "request-rtp-decoder",
        G_CALLBACK (request_decoder_cb), call);
    g_signal_connect (rtpbin, "request-rtcp-decoder",
        G_CALLBACK (request_decoder_cb), call);
  }

  /* send: tee -> queue -> encoder -> payloader -> rtpbin -> udpsink */
  queue = make (call, bin, "queue");
  g_object_set (queue, "max-size-time", (guint64) 200 * GST_MSECOND,
      "max-size-buffers", 0, "max-size-bytes", 0, "leaky", 2, NULL);
  call->valve = gst_object_ref (make (call, bin, "valve"));
  g_object_set (call->valve, "drop", !direction_sends (d->direction), NULL);
  enc = make (call, bin, chain[0]);
  pay = make (call, bin, chain[1]);
  /* initial sequence number below 2^15 (RFC 4568 7.1.4 / SRTP ROC safety) */
  g_object_set (pay, "seqnum-offset", (gint) g_random_int_range (0, 0x8000),
      "pt", d->payload_type, "min-ptime", (gint64) 20 * GST_MSECOND,
      "max-ptime", (gint64) 20 * GST_MSECOND, NULL);
  rtp_sink = make_udpsink (call, bin, call->rtp_socket, d->remote_address,
      d->remote_rtp_port);
  rtcp_sink = make_udpsink (call, bin, call->rtcp_socket, d->remote_address,
      d->remote_rtcp_port);
  call->rtp_sink = gst_object_ref (rtp_sink);
  call->rtcp_sink = gst_object_ref (rtcp_sink);

  /* receive: udpsrc -> rtpbin -> depayloader -> decoder -> src */
  caps = g_strdup_printf ("application/x-%s,media=audio,clock-rate=%u,"
      "encoding-name=%s,payload=%u", d->clear ? "rtp" : "srtp",
      d->clock_rate, d->encoding_name, d->payload_type);
  rtp_src = make_udpsrc (call, bin, call->rtp_socket, caps);
  call->rtp_src = gst_object_ref (rtp_src);
  g_free (caps);
  rtcp_src = make_udpsrc (call, bin, call->rtcp_socket, d->clear ?
      "application/x-rtcp" : "application/x-srtcp");
  call->depay = gst_object_ref (make (call, bin, chain[2]));
  dec = make (call, bin, chain[3]);
  conv = make (call, bin, "audioconvert");
  res = make (call, bin, "audioresample");

  map = g_rc_box_new0 (RecvMap);
  map->depay = gst_object_ref (make (call, bin, "funnel"));
  ok &= gst_element_link (map->depay, call->depay);
  map->pt = d->payload_type;
  map->encoding_name = d->encoding_name;
  map->clock_rate = d->clock_rate;
  send = pay;
  if (d->dtmf_payload_type != 0) {
    /* RFC 4733 events share the audio stream: rtpdtmfmux gives them its
     * SSRC and sequence (starting below 2^15, like the payloader's) */
    GstElement *mux = make (call, bin, "rtpdtmfmux");
    GstElement *dtmfsink, *dtmfdepay;

    g_object_set (mux, "seqnum-offset", (gint) g_random_int_range (0,
            0x8000), NULL);
    call->dtmfsrc = gst_object_ref (make (call, bin, "rtpdtmfsrc"));
    g_object_set (call->dtmfsrc, "pt", d->dtmf_payload_type, NULL);
    ok &= link_pads (pay, "src", mux, "sink_%u");
    ok &= link_pads (call->dtmfsrc, "src", mux, "priority_sink_%u");
    call->dtmf = gst_pgsm_dtmf_sender_new (call->dtmfsrc);
    send = mux;

    dtmfdepay = make (call, bin, "rtpdtmfdepay");
    map->dtmfdepay = gst_object_ref (make (call, bin, "funnel"));
    map->dtmf_pt = d->dtmf_payload_type;
    g_object_set_data_full (G_OBJECT (dtmfdepay), "pgsm-call-id",
        g_strdup (call->call_id), g_free);
    dtmfsink = make (call, bin, "fakesink");
    g_object_set (dtmfsink, "sync", FALSE, "async", FALSE, NULL);
    ok &= gst_element_link_many (map->dtmfdepay, dtmfdepay, dtmfsink, NULL);
  }
  g_signal_connect_data (rtpbin, "request-pt-map",
      G_CALLBACK (request_pt_map_cb), g_rc_box_acquire (map),
      (GClosureNotify) recv_map_release, 0);
  g_signal_connect_data (rtpbin, "pad-removed",
      G_CALLBACK (rtpbin_pad_removed_cb), g_rc_box_acquire (map),
      (GClosureNotify) recv_map_release, 0);
  g_signal_connect_data (rtpbin, "pad-added",
      G_CALLBACK (rtpbin_pad_added_cb), map,
      (GClosureNotify) recv_map_release, 0);

  ok &= gst_element_link_many (queue, call->valve, enc, pay, NULL);
  ok &= link_pads (send, "src", rtpbin, "send_rtp_sink_0");
  ok &= link_pads (rtpbin, "send_rtp_src_0", rtp_sink, "sink");
  ok &= link_pads (rtpbin, "send_rtcp_src_0", rtcp_sink, "sink");
  ok &= link_pads (rtp_src, "src", rtpbin, "recv_rtp_sink_0");
  ok &= link_pads (rtcp_src, "src", rtpbin, "recv_rtcp_sink_0");
  ok &= gst_element_link_many (call->depay, dec, conv, res, NULL);
  if (!ok) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_("Could not build the call's media pipeline.")), ("link failed"));
    return FALSE;
  }

  pad = gst_element_get_static_pad (res, "src");
  if (call->slot == 0) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), pad);
  } else {
    gchar *name = g_strdup_printf ("src_%u", call->slot);

    call->src_ghost = gst_ghost_pad_new_from_template (name, pad,
        gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self),
            "src_%u"));
    gst_object_ref_sink (call->src_ghost);
    g_free (name);
  }
  gst_object_unref (pad);

  /* Downstream first, the sources (udpsrcs, rtpdtmfsrc) last. A packet
   * that reaches an element still in NULL gets FLUSHING back, and a udpsrc
   * that gets FLUSHING pauses its task for good: with the sources started
   * in the middle (they were made before the receive chain), a packet that
   * beat the depayloader's or the funnel's state change left the call
   * without incoming audio until the media watch ended it (seen under
   * valgrind, where that window is wide). */
  for (i = 0; i < call->elements->len; i++) {
    GstElement *e = g_ptr_array_index (call->elements, i);

    if (!GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SOURCE))
      gst_element_sync_state_with_parent (e);
  }
  if (call->src_ghost != NULL) {
    /* pad-added: handlers may link it, not call our action signals */
    gst_pad_set_active (call->src_ghost, TRUE);
    gst_element_add_pad (GST_ELEMENT (self), call->src_ghost);
  }
  for (i = 0; i < call->elements->len; i++) {
    GstElement *e = g_ptr_array_index (call->elements, i);

    if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SOURCE))
      gst_element_sync_state_with_parent (e);
  }

  /* last: connect the audio input, so nothing flows before the keys */
  call->tee = gst_object_ref (call->slot > 0
      && self->slot_inputs[call->slot] != NULL ?
      g_ptr_array_index (self->slot_inputs[call->slot], 3) : self->tee);
  call->tee_pad = gst_element_request_pad_simple (call->tee, "src_%u");
  qsink = gst_element_get_static_pad (queue, "sink");
  gst_pad_link (call->tee_pad, qsink);
  gst_object_unref (qsink);
  media_watch_start (self, call);
  return TRUE;
}

/* Set (as object data) on the elements of a call whose media is being
 * stopped: see gst_pgsm_sip_bin_handle_message() */
#define MEDIA_STOPPING "pgsm-media-stopping"

/* Stops and removes the media of @call. Called with call_lock. */
static void
media_stop_unlocked (GstPgsmSipBin * self, Call * call)
{
  guint i;

  /* Unlinking the tee and ghost pads below, and taking the elements out of
   * the bin one by one, leaves the streaming threads still running (the
   * udpsrcs, rtpdtmfsrc) pushing into unlinked pads until their element
   * leaves the bin: each then posts a not-linked ERROR that would reach
   * the application for a call that is only ending. Mark the elements
   * first; handle_message drops their errors and warnings. */
  for (i = 0; call->elements != NULL && i < call->elements->len; i++)
    g_object_set_data (g_ptr_array_index (call->elements, i),
        MEDIA_STOPPING, GINT_TO_POINTER (TRUE));
  if (call->tee_pad != NULL) {
    GstPad *peer = gst_pad_get_peer (call->tee_pad);

    if (peer != NULL) {
      gst_pad_unlink (call->tee_pad, peer);
      gst_object_unref (peer);
    }
    gst_element_release_request_pad (call->tee, call->tee_pad);
    gst_clear_object (&call->tee_pad);
  }
  media_watch_stop (call);
  if (call->elements == NULL)
    return;
  if (call->dtmf != NULL)
    gst_pgsm_dtmf_sender_stop (call->dtmf);
  if (call->src_ghost != NULL) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (call->src_ghost), NULL);
    gst_pad_set_active (call->src_ghost, FALSE);
    gst_element_remove_pad (GST_ELEMENT (self), call->src_ghost);
    gst_clear_object (&call->src_ghost);
  } else if (call->slot == 0) {
    gst_ghost_pad_set_target (GST_GHOST_PAD (self->srcpad), NULL);
  }
  /* Out of the bin first, then to NULL (call->elements holds a reference).
   * Setting them to NULL waits for their streaming threads; one of those
   * may be blocked downstream in a sink that the application just set to
   * PAUSED (waiting for preroll) and that only a READY will release. Were
   * they still our children, the application's state change would wait
   * for their state lock, held here: a deadlock. */
  for (i = 0; i < call->elements->len; i++) {
    GstElement *e = g_ptr_array_index (call->elements, i);

    gst_element_set_locked_state (e, TRUE);
    gst_bin_remove (GST_BIN (self), e);
  }
  /* Sinks first: in PAUSED a sink holds the streaming thread that reached
   * it (waiting for preroll) and with it the stream locks upstream; once
   * the sinks flush, the other elements can stop their pads. */
  for (i = 0; i < call->elements->len; i++) {
    GstElement *e = g_ptr_array_index (call->elements, i);

    if (GST_OBJECT_FLAG_IS_SET (e, GST_ELEMENT_FLAG_SINK))
      gst_element_set_state (e, GST_STATE_NULL);
  }
  for (i = 0; i < call->elements->len; i++)
    gst_element_set_state (g_ptr_array_index (call->elements, i),
        GST_STATE_NULL);
  g_clear_pointer (&call->elements, g_ptr_array_unref);
}

static void
post_secured (GstPgsmSipBin * self, Call * call, gboolean rekeyed)
{
  const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info
      (call->decision->suite);

  /* the inside leg's clear calls say so: never `secured` */
  post_call (self, call->decision->clear ? "clear" : "secured",
      call->call_id, "suite", G_TYPE_STRING, info ? info->name : "",
      "codec", G_TYPE_STRING, call->decision->encoding_name,
      "remote-address", G_TYPE_STRING, call->decision->remote_address,
      "remote-port", G_TYPE_UINT, call->decision->remote_rtp_port,
      "local-port", G_TYPE_UINT, call->rtp_port,
      "tls-description", G_TYPE_STRING,
      call->tls_description ? call->tls_description : "",
      "peer-certificate-sha256", G_TYPE_STRING,
      call->peer_sha256 ? call->peer_sha256 : "",
      "src-pad", G_TYPE_STRING, call->src_ghost ?
      GST_PAD_NAME (call->src_ghost) : "src",
      "sink-pad", G_TYPE_STRING, call->slot > 0 && call->tee != self->tee ?
      GST_PAD_NAME (self->slot_sinks[call->slot]) : "sink",
      "slot", G_TYPE_UINT, call->slot, "rekeyed", G_TYPE_BOOLEAN, rekeyed,
      NULL);
}

/* ---- certificate check before any SIP request -------------------------- */

static gboolean
wait_socket (GSocket * sock, gnutls_session_t session, gint64 deadline,
    GCancellable * cancellable)
{
  GIOCondition cond = gnutls_record_get_direction (session) ?
      G_IO_OUT : G_IO_IN;
  gint64 left = deadline - g_get_monotonic_time ();

  if (left <= 0)
    return FALSE;
  return g_socket_condition_timed_wait (sock, cond, left, cancellable, NULL);
}

static void
verify_settings_from (const Settings * st, PgsmTlsVerifySettings * vs)
{
  memset (vs, 0, sizeof (*vs));
  vs->ca_file = g_strdup (st->ca_file);
  vs->use_system_ca = st->use_system_ca;
  vs->crl_file = g_strdup (st->crl_file);
  if (st->pinned_sha256 != NULL && *st->pinned_sha256 != '\0')
    vs->pinned_sha256 = g_strsplit_set (st->pinned_sha256, ", ", -1);
  vs->identity = PGSM_TLS_IDENTITY_SIP;
}

/* Handshake with the server and verify it, then close: no SIP byte is sent
 * on this connection. Posts the certificate ERROR on failure. */
typedef enum
{
  PRECHECK_OK,
  PRECHECK_REFUSED,             /* not trusted, or a local failure: posted */
  PRECHECK_UNREACHABLE,         /* no TCP connection (or cancelled) */
} PrecheckResult;

/* Connects to @host:@port, runs the TLS handshake and our verifier with the
 * SIP identity rules, and says goodbye: nothing of SIP is sent. The
 * certificate ERROR is posted on a refusal; a server that cannot be reached
 * gets an ERROR, or a WARNING when @soft (the caller tries again). */
static PrecheckResult
precheck_server (GstPgsmSipBin * self, const gchar * host, guint port,
    const Settings * st, GCancellable * cancellable, gboolean soft,
    gchar ** peer_sha256, gchar ** tls_description)
{
  PgsmTlsVerifySettings vs;
  gnutls_certificate_credentials_t creds = NULL;
  gnutls_session_t session = NULL;
  GSocketClient *client = NULL;
  GSocketConnection *conn = NULL;
  GSocketConnectable *addr = NULL;
  PgsmTlsVerdict *verdict = NULL;
  GSocket *sock;
  GError *err = NULL;
  gint64 deadline;
  PrecheckResult ok = PRECHECK_REFUSED;
  int ret;

  verify_settings_from (st, &vs);
  creds = pgsm_tls_credentials_new (&vs, &err);
  if (creds == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("No trusted certificate authority could be loaded.")),
        ("%s", err->message));
    goto out;
  }
  client = g_socket_client_new ();
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_S);
  /* straight to the server: a SIP/TLS check never goes through a proxy */
  g_socket_client_set_enable_proxy (client, FALSE);
  addr = g_network_address_new (host, port);
  conn = g_socket_client_connect (client, addr, cancellable, &err);
  if (conn == NULL) {
    /* cancellation (the bin is stopping) is not an error */
    ok = PRECHECK_UNREACHABLE;
    if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      goto out;
    if (soft)
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
          (_("Could not connect to the SIP server.")), ("%s:%u: %s", host,
              port, err->message));
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          (_("Could not connect to the SIP server.")), ("%s:%u: %s", host,
              port, err->message));
    goto out;
  }
  sock = g_socket_connection_get_socket (conn);
  gnutls_init (&session, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  if (!pgsm_tls_session_setup_client (session, creds, host, &err)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_("Could not set up TLS.")), ("%s", err->message));
    goto out;
  }
  gnutls_transport_set_int (session, g_socket_get_fd (sock));
  deadline = g_get_monotonic_time () + HANDSHAKE_TIMEOUT_MS * 1000;
  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret)
      && wait_socket (sock, session, deadline, cancellable));

  if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
    /* stopped, or the server said nothing in time: not a verdict */
    if (!g_cancellable_is_cancelled (cancellable))
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
          (_("The SIP server did not complete the TLS handshake.")),
          ("%s:%u: no handshake within %d ms", host, port,
              HANDSHAKE_TIMEOUT_MS));
    goto out;
  }
  if (ret < 0)
    verdict = pgsm_tls_verdict_new_for_session_error (session, ret);
  else
    verdict = pgsm_tls_verify_session (session, creds, &vs, host);
  if (verdict == NULL || verdict->flags != 0) {
    if (verdict != NULL)
      pgsm_tls_verdict_post_error (verdict, GST_ELEMENT (self), host, port);
    else
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE, (NULL),
          ("no verdict for %s:%u", host, port));
    goto out;
  }
  if (peer_sha256 != NULL)
    *peer_sha256 = g_strdup (verdict->peer_sha256);
  if (tls_description != NULL) {
    char *desc = gnutls_session_get_desc (session);

    *tls_description = g_strdup (desc);
    gnutls_free (desc);
  }
  gnutls_bye (session, GNUTLS_SHUT_WR);
  ok = PRECHECK_OK;

out:
  g_clear_pointer (&verdict, pgsm_tls_verdict_free);
  if (session != NULL)
    gnutls_deinit (session);
  if (creds != NULL)
    gnutls_certificate_free_credentials (creds);
  if (conn != NULL)
    g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_clear_object (&conn);
  g_clear_object (&addr);
  g_clear_object (&client);
  g_clear_error (&err);
  pgsm_tls_verify_settings_clear (&vs);
  return ok;
}

/* ---- outgoing calls ---------------------------------------------------- */

static void
fail_call_unlocked (GstPgsmSipBin * self, Call * call, guint status,
    const gchar * reason)
{
  post_call (self, "failed", call->call_id, "status", G_TYPE_UINT, status,
      "reason", G_TYPE_STRING, reason ? reason : "", "remote-uri",
      G_TYPE_STRING, call->remote_uri ? call->remote_uri : "", NULL);
  media_stop_unlocked (self, call);
  g_ptr_array_remove (self->calls, call);
  call_free (call);
}

typedef struct
{
  GstPgsmSipBin *self;
  Call *call;
} SetupJob;

/* Runs in a thread of its own, one per outgoing call: the certificate check
 * and socket set-up block. Ends with the INVITE handed to the Sofia thread,
 * or `failed`. */
static gpointer
setup_thread_func (gpointer data)
{
  SetupJob *job = data;
  GstPgsmSipBin *self = job->self;
  Call *call = job->call;
  Settings st;
  gboolean tls = FALSE, ok;
  gchar *host = NULL;
  guint port = 0;
  GError *err = NULL;
  PgsmSdpLocal local;
  GCancellable *cancellable = g_object_ref (call->setup_cancel);

  g_free (job);
  settings_snapshot (self, &st);

  /* reads and writes of call fields below race with nobody: the call is
   * not known to Sofia yet, hang-up only cancels, and stop waits for this
   * thread before it frees calls */
  ok = parse_sip_uri (call->remote_uri, FALSE, &tls, &host, &port);
  call->host = host;
  call->port = port;
  post_call (self, "calling", call->call_id, "remote-uri", G_TYPE_STRING,
      call->remote_uri, NULL);
  if (!ok) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (_("Invalid SIP URI.")),
        ("cannot call '%s'", call->remote_uri));
  } else if (!tls && !st.allow_insecure) {
    ok = FALSE;
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Refusing to call over insecure signalling.")),
        ("%s is not a sips: URI; SDES keys must travel over TLS "
            "(allow-insecure-signaling is false)", call->remote_uri));
  } else if (st.proxy != NULL) {
    /* the TLS server we talk to is the proxy: its certificate counts */
    gboolean proxy_tls = FALSE;
    gchar *proxy_host = NULL;
    guint proxy_port = 0;

    ok = parse_sip_uri (st.proxy, FALSE, &proxy_tls, &proxy_host, &proxy_port);
    if (!ok)
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (_("Invalid proxy URI.")),
          ("proxy '%s'", st.proxy));
    else if (!proxy_tls && !st.allow_insecure) {
      ok = FALSE;
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          (_("Refusing to call over insecure signalling.")),
          ("proxy %s is not a sips: URI (allow-insecure-signaling is false)",
              st.proxy));
    } else if (proxy_tls)
      ok = precheck_server (self, proxy_host, proxy_port, &st, cancellable,
          FALSE, &call->peer_sha256, &call->tls_description) == PRECHECK_OK;
    g_free (proxy_host);
  } else if (tls) {
    ok = precheck_server (self, call->host, call->port, &st, cancellable,
        FALSE, &call->peer_sha256, &call->tls_description) == PRECHECK_OK;
  }
  if (ok)
    ok = call_prepare (self, call, &st, call->host);
  if (ok) {
    local_from_call (call, &local);
    call->offer = pgsm_sdp_offer_new (&local, &err);
    if (call->offer == NULL) {
      ok = FALSE;
      GST_ELEMENT_ERROR (self, LIBRARY, FAILED, (_("Could not make an offer.")),
          ("%s", err->message));
      g_clear_error (&err);
    }
  }

  g_mutex_lock (&self->call_lock);
  if (g_cancellable_is_cancelled (cancellable)) {
    /* hung up (or stopping) during the set-up: nothing was sent */
    post_call (self, "ended", call->call_id, "status", G_TYPE_UINT, 0,
        "reason", G_TYPE_STRING, "hung up before the INVITE", NULL);
    call->ended = TRUE;
    ok = FALSE;
  }
  if (!ok) {
    if (!call->ended)
      post_call (self, "failed", call->call_id, "status", G_TYPE_UINT, 0,
          "reason", G_TYPE_STRING, "call set-up failed", NULL);
    media_stop_unlocked (self, call);
    g_ptr_array_remove (self->calls, call);
    call_free (call);
  } else if (self->sofia != NULL) {
    call->invited = TRUE;
    gst_pgsm_sofia_invite (self->sofia, call->call_id, call->remote_uri,
        call->offer->sdp);
  }
  self->setups_running--;
  g_cond_broadcast (&self->setup_cond);
  g_mutex_unlock (&self->call_lock);

  g_object_unref (cancellable);
  settings_clear (&st);
  return NULL;
}

static gchar *
gst_pgsm_sip_bin_call (GstPgsmSipBin * self, const gchar * uri)
{
  Call *call;
  SetupJob *job;
  gchar *id = NULL;
  guint max_calls;
  gint slot;

  g_return_val_if_fail (uri != NULL, NULL);

  GST_OBJECT_LOCK (self);
  max_calls = self->props.max_calls;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->call_lock);
  slot = free_slot_unlocked (self, max_calls);
  if (self->sofia == NULL || slot < 0) {
    GST_WARNING_OBJECT (self, "cannot call now (not started, or max-calls "
        "%u reached)", max_calls);
    goto out;
  }
  call = g_new0 (Call, 1);
  call->call_id = gst_pgsm_sofia_new_call_id ();
  call->slot = slot;
  call->outgoing = TRUE;
  call->remote_uri = g_strdup (uri);
  call->setup_cancel = g_cancellable_new ();
  g_ptr_array_add (self->calls, call);
  id = g_strdup (call->call_id);
  job = g_new0 (SetupJob, 1);
  job->self = self;
  job->call = call;
  self->setups_running++;
  /* detached: stop waits on setups_running, not on the thread */
  g_thread_unref (g_thread_new ("pgsmsip-setup", setup_thread_func, job));

out:
  g_mutex_unlock (&self->call_lock);
  return id;
}

/* ---- Sofia events (in the Sofia thread) ------------------------------- */

static Call *
lookup_unlocked (GstPgsmSipBin * self, const gchar * call_id)
{
  guint i;

  for (i = 0; i < self->calls->len; i++) {
    Call *call = g_ptr_array_index (self->calls, i);

    if (g_strcmp0 (call->call_id, call_id) == 0)
      return call;
  }
  return NULL;
}

/* The lowest free call slot below @max_calls, or -1 (busy) */
static gint
free_slot_unlocked (GstPgsmSipBin * self, guint max_calls)
{
  guint slot, i;

  for (slot = 0; slot < max_calls && slot < MAX_CALLS; slot++) {
    gboolean used = FALSE;

    for (i = 0; i < self->calls->len && !used; i++)
      used = ((Call *) g_ptr_array_index (self->calls, i))->slot == slot;
    if (!used)
      return slot;
  }
  return -1;
}

static void
on_progress (GstPgsmSofia * sofia, const gchar * call_id, guint status,
    const gchar * phrase, GstPgsmSipBin * self)
{
  Call *call;
  gboolean media;

  /* 1xx to a re-INVITE: nothing to say */
  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  media = call != NULL && call->elements != NULL;
  g_mutex_unlock (&self->call_lock);
  if (media)
    return;
  if (status == 180 || status == 183)
    post_call (self, "ringing", call_id, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, phrase, NULL);
}

static void
on_answered (GstPgsmSofia * sofia, const gchar * call_id, guint status,
    const gchar * phrase, const gchar * sdp, GstPgsmSipBin * self)
{
  Call *call;
  PgsmSdpLocal local;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL && call->reoffer != NULL) {
    reinvite_answered_unlocked (self, call, status, phrase, sdp);
    goto out;
  }
  if (call == NULL || status >= 300)
    goto out;

  local_from_call (call, &local);
  call->decision = pgsm_sdp_accept_answer (&local, call->offer, sdp);
  if (!pgsm_sdp_decision_is_accepted (call->decision)) {
    /* fail closed: end the dialog, never fall back to clear RTP */
    if (call->clear_media)
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          (_("The called party's answer could not be used.")),
          ("call %s: %s", call_id, call->decision->reason));
    else
      GST_ELEMENT_ERROR (self, STREAM, DECRYPT_NOKEY,
          (_("The called party answered without usable SRTP keys.")),
          ("call %s: %s", call_id, call->decision->reason));
    post_call (self, "failed", call_id, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, call->decision->reason, NULL);
    call->ended = TRUE;
    gst_pgsm_sofia_hangup (self->sofia, call_id);
    goto out;
  }
  if (media_start_unlocked (self, call)) {
    post_secured (self, call, FALSE);
  } else {
    post_call (self, "failed", call_id, "status", G_TYPE_UINT, 0,
        "reason", G_TYPE_STRING, "the media could not start", NULL);
    call->ended = TRUE;
    gst_pgsm_sofia_hangup (self->sofia, call_id);
  }

out:
  g_mutex_unlock (&self->call_lock);
}

static void
on_established (GstPgsmSofia * sofia, const gchar * call_id,
    GstPgsmSipBin * self)
{
  Call *call;
  gboolean post = TRUE;

  /* a re-INVITE completes with the dialog ready again: say it once */
  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL) {
    post = !call->established;
    call->established = TRUE;
  }
  g_mutex_unlock (&self->call_lock);
  if (post)
    post_call (self, "established", call_id, NULL);
}

static void
on_ended (GstPgsmSofia * sofia, const gchar * call_id, guint status,
    const gchar * phrase, GstPgsmSipBin * self)
{
  Call *call;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL) {
    /* our call that never got media failed; an incoming one we refused or
     * that was cancelled just ended */
    gboolean failed = call->outgoing && call->elements == NULL && status >= 300;

    /* a call we already declared failed (bad answer) ends silently */
    if (failed && !call->ended)
      GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
          (_("The call did not connect.")), ("call %s: %u %s", call_id, status,
              phrase));
    if (!call->ended)
      post_call (self, failed ? "failed" : "ended", call_id, "status",
          G_TYPE_UINT, status, "reason", G_TYPE_STRING, phrase, NULL);
    media_stop_unlocked (self, call);
    g_ptr_array_remove (self->calls, call);
    call_free (call);
  }
  g_mutex_unlock (&self->call_lock);
}

/* ---- re-INVITEs: hold, resume, rekey ---------------------------------- */

static gboolean
same_key (const PgsmCryptoAttribute * a, const PgsmCryptoAttribute * b)
{
  GBytes *ka, *kb;
  gboolean same;

  if (pgsm_crypto_attribute_get_suite (a) !=
      pgsm_crypto_attribute_get_suite (b))
    return FALSE;
  ka = pgsm_crypto_attribute_get_key (a, 0);
  kb = pgsm_crypto_attribute_get_key (b, 0);
  same = ka != NULL && kb != NULL && g_bytes_equal (ka, kb);
  g_bytes_unref (ka);
  g_bytes_unref (kb);
  return same;
}

static void
set_crypto (GstElement * srtp, const PgsmCryptoAttribute * attr)
{
  gchar *crypto = pgsm_crypto_attribute_to_string (attr);

  /* pgsmsrtpenc/dec keep each stream's rollover counter across a key
   * change (RFC 3711 3.3.1) */
  g_object_set (srtp, "crypto", crypto, NULL);
  memset (crypto, 0, strlen (crypto));
  g_free (crypto);
}

/* Posts where the call stands after an offer/answer: `held` while either
 * side holds it, `secured` when audio flows both ways again */
static void
post_media_state (GstPgsmSipBin * self, Call * call, gboolean rekeyed)
{
  PgsmSdpDirection dir = call->decision->direction;

  if (dir == PGSM_SDP_SENDRECV) {
    post_secured (self, call, rekeyed);
    return;
  }
  post_call (self, "held", call->call_id,
      "held-by", G_TYPE_STRING, call->want != PGSM_SDP_SENDRECV ?
      "local" : "remote",
      "direction", G_TYPE_STRING, pgsm_sdp_direction_name (dir),
      "rekeyed", G_TYPE_BOOLEAN, rekeyed, NULL);
}

/* Puts a new offer/answer of an established call in force: keys (the
 * streams keep their ROC), the peer's address, whether we send. Takes
 * @d. Called with call_lock. */
static void
media_update_unlocked (GstPgsmSipBin * self, Call * call, PgsmSdpDecision * d)
{
  PgsmSdpDecision *old = call->decision;
  gboolean rekeyed = FALSE;

  if (d->clear) {
    /* no keys */
  } else if (!same_key (old->remote_crypto, d->remote_crypto)) {
    set_crypto (call->srtpdec, d->remote_crypto);
    rekeyed = TRUE;
  }
  if (!d->clear && !same_key (old->local_crypto, d->local_crypto)) {
    set_crypto (call->srtpenc, d->local_crypto);
    rekeyed = TRUE;
  }
  if (g_strcmp0 (old->remote_address, d->remote_address) != 0
      || old->remote_rtp_port != d->remote_rtp_port
      || old->remote_rtcp_port != d->remote_rtcp_port) {
    g_object_set (call->rtp_sink, "host", d->remote_address, "port",
        d->remote_rtp_port, NULL);
    g_object_set (call->rtcp_sink, "host", d->remote_address, "port",
        d->remote_rtcp_port, NULL);
  }
  g_object_set (call->valve, "drop", !direction_sends (d->direction), NULL);
  GST_INFO_OBJECT (self, "call %s: now %s%s", call->call_id,
      pgsm_sdp_direction_name (d->direction), rekeyed ? ", new keys" : "");
  call->decision = d;
  pgsm_sdp_decision_free (old);
  post_media_state (self, call, rekeyed);
}

/* The final response to our re-INVITE. Called with call_lock. */
static void
reinvite_answered_unlocked (GstPgsmSipBin * self, Call * call, guint status,
    const gchar * phrase, const gchar * sdp)
{
  PgsmSdpOffer *offer = g_steal_pointer (&call->reoffer);
  PgsmSdpDecision *d;
  PgsmSdpLocal local;

  if (status >= 300) {
    /* RFC 3261 14.1: a refused re-INVITE leaves the session as it was */
    call->want = call->want_before;
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        (_("The other side refused to change the call (hold, resume or new "
                "keys); the call goes on unchanged.")), ("call %s: re-INVITE "
            "answered %u %s", call->call_id, status, phrase));
    pgsm_sdp_offer_free (offer);
    return;
  }
  local_for_reinvite (call, &local, FALSE);
  d = pgsm_sdp_accept_answer (&local, offer, sdp);
  pgsm_sdp_offer_free (offer);
  if (!pgsm_sdp_decision_is_accepted (d)) {
    /* fail closed, as for the first answer */
    GST_ELEMENT_ERROR (self, STREAM, DECRYPT_NOKEY,
        (_("The other side changed the call without usable SRTP keys.")),
        ("call %s: %s", call->call_id, d->reason));
    post_call (self, "failed", call->call_id, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, d->reason, NULL);
    pgsm_sdp_decision_free (d);
    media_stop_unlocked (self, call);
    call->ended = TRUE;
    gst_pgsm_sofia_hangup (self->sofia, call->call_id);
    return;
  }
  media_update_unlocked (self, call, d);
}

/* A re-INVITE from the other side (in the Sofia thread) */
static void
on_reinvite (GstPgsmSofia * sofia, const gchar * call_id, const gchar * sdp,
    GstPgsmSipBin * self)
{
  Call *call;
  PgsmSdpDecision *d;
  PgsmSdpLocal local;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call == NULL || call->ended || call->elements == NULL || sdp == NULL) {
    /* no media yet, or an offerless re-INVITE (we do not offer in a 2xx):
     * the session stays as it is */
    gst_pgsm_sofia_respond (sofia, call_id, PGSM_SDP_STATUS_NOT_ACCEPTABLE,
        NULL, NULL);
    goto out;
  }
  call->sdp_version++;
  local_for_reinvite (call, &local, FALSE);
  d = pgsm_sdp_answer_offer (&local, sdp);
  if (pgsm_sdp_decision_is_accepted (d)
      && d->payload_type != call->decision->payload_type) {
    /* the media run with their payload type; not renegotiated */
    d->status = PGSM_SDP_STATUS_NOT_ACCEPTABLE;
    g_free (d->reason);
    d->reason = g_strdup ("the payload type of the audio cannot change "
        "during a call");
  }
  if (d->status != 0 || !pgsm_sdp_decision_is_accepted (d)) {
    /* the call goes on with what is in force; never clear RTP */
    GST_ELEMENT_WARNING (self, STREAM, DECRYPT_NOKEY,
        (_("Refused a change of the call without usable SRTP keys; the call "
                "goes on unchanged.")), ("call %s: %s", call_id, d->reason));
    gst_pgsm_sofia_respond (sofia, call_id, PGSM_SDP_STATUS_NOT_ACCEPTABLE,
        NULL, NULL);
    pgsm_sdp_decision_free (d);
    goto out;
  }
  gst_pgsm_sofia_respond (sofia, call_id, 200, NULL, d->answer_sdp);
  media_update_unlocked (self, call, d);

out:
  g_mutex_unlock (&self->call_lock);
}

/* Sends a re-INVITE wanting @want, with a fresh key when @rekey */
static gboolean
reinvite (GstPgsmSipBin * self, const gchar * call_id, PgsmSdpDirection want,
    gboolean rekey)
{
  Call *call;
  PgsmSdpLocal local;
  g_autoptr (GError) err = NULL;
  gboolean ret = FALSE;

  g_return_val_if_fail (call_id != NULL, FALSE);

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call == NULL || call->ended || call->elements == NULL
      || call->reoffer != NULL || self->sofia == NULL) {
    GST_WARNING_OBJECT (self, "call %s: no re-INVITE now (no media yet, or "
        "one in progress)", call_id);
    goto out;
  }
  call->want_before = call->want;
  call->want = want;
  call->sdp_version++;
  local_for_reinvite (call, &local, rekey);
  call->reoffer = pgsm_sdp_offer_new (&local, &err);
  if (call->reoffer == NULL) {
    call->want = call->want_before;
    GST_WARNING_OBJECT (self, "call %s: no re-offer: %s", call_id,
        err->message);
    goto out;
  }
  gst_pgsm_sofia_reinvite (self->sofia, call_id, call->reoffer->sdp);
  ret = TRUE;

out:
  g_mutex_unlock (&self->call_lock);
  return ret;
}

static gboolean
gst_pgsm_sip_bin_hold (GstPgsmSipBin * self, const gchar * call_id)
{
  return reinvite (self, call_id, PGSM_SDP_SENDONLY, FALSE);
}

static gboolean
gst_pgsm_sip_bin_resume (GstPgsmSipBin * self, const gchar * call_id)
{
  return reinvite (self, call_id, PGSM_SDP_SENDRECV, FALSE);
}

static gboolean
gst_pgsm_sip_bin_rekey (GstPgsmSipBin * self, const gchar * call_id)
{
  PgsmSdpDirection want = PGSM_SDP_SENDRECV;
  Call *call;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL)
    want = call->want;
  /* a clear call has no keys to change */
  if (call != NULL && call->clear_media)
    call = NULL;
  g_mutex_unlock (&self->call_lock);
  if (call == NULL)
    return FALSE;
  return reinvite (self, call_id, want, TRUE);
}

/* ---- DTMF (RFC 4733) --------------------------------------------------- */

static gboolean
gst_pgsm_sip_bin_send_dtmf (GstPgsmSipBin * self, const gchar * call_id,
    const gchar * digits)
{
  Call *call;
  gboolean ret = FALSE;

  g_return_val_if_fail (call_id != NULL, FALSE);

  if (!gst_pgsm_dtmf_digits_valid (digits)) {
    GST_WARNING_OBJECT (self, "not DTMF digits: '%s' (1 to %d of "
        "0-9 * # A-D)", digits ? digits : "(null)", GST_PGSM_DTMF_MAX_DIGITS);
    return FALSE;
  }
  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call == NULL || call->ended || call->dtmf == NULL)
    GST_WARNING_OBJECT (self, "call %s: no telephone-event to send on",
        call_id);
  else if (!direction_sends (call->decision->direction))
    GST_WARNING_OBJECT (self, "call %s: held, no DTMF", call_id);
  else
    ret = gst_pgsm_dtmf_sender_send (call->dtmf, digits);
  g_mutex_unlock (&self->call_lock);
  return ret;
}

/* ---- pads of the calls in slots 1.. ----------------------------------- */

/* sink_n: the audio the call in slot n sends, from the moment that call's
 * media start (a call already running keeps what it had) */
static GstPad *
gst_pgsm_sip_bin_request_new_pad (GstElement * element,
    GstPadTemplate * templ, const gchar * name, const GstCaps * caps)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (element);
  GstPad *ghost = NULL, *target;
  gchar *padname, *suffix;
  guint n = 0;

  g_mutex_lock (&self->call_lock);
  if (name != NULL) {
    if (sscanf (name, "sink_%u", &n) != 1 || n == 0 || n >= MAX_CALLS
        || self->slot_sinks[n] != NULL)
      n = 0;
  } else {
    for (n = 1; n < MAX_CALLS && self->slot_sinks[n] != NULL; n++);
    if (n == MAX_CALLS)
      n = 0;
  }
  if (n == 0) {
    GST_WARNING_OBJECT (self, "no pad %s: slots are sink_1..sink_%d, each "
        "once", name ? name : "sink_%u", MAX_CALLS - 1);
    goto out;
  }
  suffix = g_strdup_printf ("_%u", n);
  self->slot_inputs[n] = g_ptr_array_new_with_free_func (gst_object_unref);
  make_input (self, suffix, self->slot_inputs[n], &target);
  g_free (suffix);
  padname = g_strdup_printf ("sink_%u", n);
  ghost = gst_ghost_pad_new_from_template (padname, target, templ);
  g_free (padname);
  gst_object_unref (target);
  g_ptr_array_foreach (self->slot_inputs[n],
      (GFunc) gst_element_sync_state_with_parent, NULL);
  gst_pad_set_active (ghost, TRUE);
  self->slot_sinks[n] = gst_object_ref (ghost);

out:
  g_mutex_unlock (&self->call_lock);
  if (ghost != NULL)
    gst_element_add_pad (element, ghost);
  return ghost;
}

static void
gst_pgsm_sip_bin_release_pad (GstElement * element, GstPad * pad)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (element);
  GPtrArray *input = NULL;
  guint n, i;

  g_mutex_lock (&self->call_lock);
  for (n = 1; n < MAX_CALLS && self->slot_sinks[n] != pad; n++);
  if (n < MAX_CALLS) {
    GstElement *tee = g_ptr_array_index (self->slot_inputs[n], 3);

    /* a call fed from it sends nothing from now on */
    for (i = 0; i < self->calls->len; i++) {
      Call *call = g_ptr_array_index (self->calls, i);

      if (call->tee == tee && call->tee_pad != NULL) {
        GstPad *peer = gst_pad_get_peer (call->tee_pad);

        if (peer != NULL) {
          gst_pad_unlink (call->tee_pad, peer);
          gst_object_unref (peer);
        }
        gst_element_release_request_pad (tee, call->tee_pad);
        gst_clear_object (&call->tee_pad);
      }
    }
    input = g_steal_pointer (&self->slot_inputs[n]);
    gst_clear_object (&self->slot_sinks[n]);
  }
  g_mutex_unlock (&self->call_lock);
  if (input == NULL)
    return;
  gst_element_remove_pad (element, pad);
  for (i = 0; i < input->len; i++) {
    GstElement *e = g_ptr_array_index (input, i);

    gst_element_set_locked_state (e, TRUE);
    gst_bin_remove (GST_BIN (self), e);
    gst_element_set_state (e, GST_STATE_NULL);
  }
  g_ptr_array_unref (input);
}

/* TRUE if @message comes from an element (or from inside an element, such
 * as rtpbin's jitter buffers) of a call whose media is being stopped */
static gboolean
from_stopping_media (GstBin * bin, GstMessage * message)
{
  GstObject *o = GST_MESSAGE_SRC (message) ?
      gst_object_ref (GST_MESSAGE_SRC (message)) : NULL;
  gboolean stopping = FALSE;

  while (o != NULL && o != GST_OBJECT_CAST (bin) && !stopping) {
    GstObject *parent = gst_object_get_parent (o);

    stopping = g_object_get_data (G_OBJECT (o), MEDIA_STOPPING) != NULL;
    gst_object_unref (o);
    o = parent;
  }
  if (o != NULL)
    gst_object_unref (o);
  return stopping;
}

/* rtpdtmfdepay's `dtmf-event` becomes our `pgsm-dtmf` with the call-id;
 * errors and warnings of a call's media that is being stopped (not-linked
 * from its sources while it is taken apart) are dropped */
static void
gst_pgsm_sip_bin_handle_message (GstBin * bin, GstMessage * message)
{
  const gchar *call_id = NULL;
  const GstStructure *s;
  gint number = -1, volume = 0;
  gchar digit[2] = { 0, 0 };

  if ((GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR
          || GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING)
      && from_stopping_media (bin, message)) {
    GST_DEBUG_OBJECT (bin, "dropping %s of %s: its call's media is stopping",
        GST_MESSAGE_TYPE_NAME (message), GST_MESSAGE_SRC_NAME (message));
    gst_message_unref (message);
    return;
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ELEMENT
      && GST_MESSAGE_SRC (message) != NULL)
    call_id = g_object_get_data (G_OBJECT (GST_MESSAGE_SRC (message)),
        "pgsm-call-id");
  s = gst_message_get_structure (message);
  if (call_id == NULL || s == NULL || !gst_structure_has_name (s, "dtmf-event")) {
    GST_BIN_CLASS (gst_pgsm_sip_bin_parent_class)->handle_message (bin,
        message);
    return;
  }
  gst_structure_get_int (s, "number", &number);
  gst_structure_get_int (s, "volume", &volume);
  digit[0] = gst_pgsm_dtmf_digit_from_event (number);
  if (digit[0] != '\0')
    gst_element_post_message (GST_ELEMENT (bin),
        gst_message_new_element (GST_OBJECT (bin),
            gst_structure_new ("pgsm-dtmf", "call-id", G_TYPE_STRING, call_id,
                "digit", G_TYPE_STRING, digit, "event", G_TYPE_INT, number,
                "volume", G_TYPE_INT, volume, NULL)));
  gst_message_unref (message);
}

/* Reads the offer at once: an unusable one gets 488 before anyone sees
 * the call. Called with call_lock. */
static void
incoming_unlocked (GstPgsmSipBin * self, const gchar * call_id,
    const gchar * from, const gchar * request_uri, const gchar * sdp,
    const Settings * st)
{
  Call *call;
  PgsmSdpLocal local;
  gchar *toward = NULL;
  gboolean tmp_tls;
  guint tmp_port;
  gint slot = free_slot_unlocked (self, st->max_calls);

  if (slot < 0) {
    gst_pgsm_sofia_respond (self->sofia, call_id, 486, "Busy Here", NULL);
    post_call (self, "failed", call_id, "status", G_TYPE_UINT, 486,
        "reason", G_TYPE_STRING, "busy (max-calls reached)", NULL);
    return;
  }
  call = g_new0 (Call, 1);
  call->call_id = g_strdup (call_id);
  call->slot = slot;
  call->remote_uri = g_strdup (from);
  if (!parse_sip_uri (from, FALSE, &tmp_tls, &toward, &tmp_port))
    toward = g_strdup ("127.0.0.1");
  g_ptr_array_add (self->calls, call);

  if (!call_prepare (self, call, st, toward)) {
    /* no port pair: 503, the caller may retry later (RFC 3261 21.5.4) */
    guint status = call->no_ports ? 503 : 500;

    gst_pgsm_sofia_respond (self->sofia, call_id, status, NULL, NULL);
    fail_call_unlocked (self, call, status, call->no_ports ?
        "no free RTP port pair" : "local set-up failed");
    goto out;
  }
  local_from_call (call, &local);
  call->decision = pgsm_sdp_answer_offer (&local, sdp);
  if (!pgsm_sdp_decision_is_accepted (call->decision)) {
    GST_INFO_OBJECT (self, "refusing call %s: %s", call_id,
        call->decision->reason);
    gst_pgsm_sofia_respond (self->sofia, call_id,
        PGSM_SDP_STATUS_NOT_ACCEPTABLE, "Not Acceptable Here", NULL);
    fail_call_unlocked (self, call, PGSM_SDP_STATUS_NOT_ACCEPTABLE,
        call->decision->reason);
    goto out;
  }
  /* only a call that could be answered is announced: a gateway routing on
   * `incoming` never rings anyone for an offer it must refuse */
  post_call (self, "incoming", call_id, "remote-uri", G_TYPE_STRING, from,
      "request-uri", G_TYPE_STRING, request_uri, "slot", G_TYPE_UINT,
      call->slot, NULL);
  gst_pgsm_sofia_respond (self->sofia, call_id, 180, "Ringing", NULL);
  if (st->auto_answer) {
    if (media_start_unlocked (self, call)) {
      call->answered = TRUE;
      gst_pgsm_sofia_respond (self->sofia, call_id, 200, "OK",
          call->decision->answer_sdp);
      post_secured (self, call, FALSE);
    } else {
      gst_pgsm_sofia_respond (self->sofia, call_id, 500, "Server Error", NULL);
    }
  }

out:
  g_free (toward);
}

static void
on_incoming (GstPgsmSofia * sofia, const gchar * call_id, const gchar * from,
    const gchar * request_uri, const gchar * sdp, GstPgsmSipBin * self)
{
  Settings st;

  settings_snapshot (self, &st);
  g_mutex_lock (&self->call_lock);
  incoming_unlocked (self, call_id, from, request_uri, sdp, &st);
  g_mutex_unlock (&self->call_lock);
  settings_clear (&st);
}

/* ---- actions ----------------------------------------------------------- */

static gboolean
gst_pgsm_sip_bin_answer (GstPgsmSipBin * self, const gchar * call_id)
{
  Call *call;
  gboolean ret = FALSE;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call == NULL || call->outgoing || call->answered || self->sofia == NULL
      || !pgsm_sdp_decision_is_accepted (call->decision))
    goto out;
  if (media_start_unlocked (self, call)) {
    call->answered = TRUE;
    gst_pgsm_sofia_respond (self->sofia, call_id, 200, "OK",
        call->decision->answer_sdp);
    post_secured (self, call, FALSE);
    ret = TRUE;
  }

out:
  g_mutex_unlock (&self->call_lock);
  return ret;
}

static gboolean
gst_pgsm_sip_bin_reject (GstPgsmSipBin * self, const gchar * call_id,
    guint status)
{
  Call *call;
  gboolean ret = FALSE;

  if (status < 400 || status > 699)
    return FALSE;
  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL && !call->outgoing && !call->answered && self->sofia != NULL) {
    gst_pgsm_sofia_respond (self->sofia, call_id, status, NULL, NULL);
    ret = TRUE;
  }
  g_mutex_unlock (&self->call_lock);
  return ret;
}

static gboolean
gst_pgsm_sip_bin_hangup (GstPgsmSipBin * self, const gchar * call_id)
{
  gboolean ret = FALSE;

  Call *call;

  g_mutex_lock (&self->call_lock);
  call = lookup_unlocked (self, call_id);
  if (call != NULL && call->outgoing && !call->invited) {
    /* still in the certificate check: stop it, no INVITE will go out */
    g_cancellable_cancel (call->setup_cancel);
    ret = TRUE;
  } else if (call != NULL && self->sofia != NULL) {
    gst_pgsm_sofia_hangup (self->sofia, call_id);
    ret = TRUE;
  }
  g_mutex_unlock (&self->call_lock);
  return ret;
}

/* ---- registration ------------------------------------------------------ */

/* Waits @seconds or until @cancellable is cancelled; FALSE when cancelled */
static gboolean
sleep_cancellable (guint seconds, GCancellable * cancellable)
{
  gint64 end = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < end) {
    if (g_cancellable_is_cancelled (cancellable))
      return FALSE;
    g_usleep (50 * 1000);
  }
  return !g_cancellable_is_cancelled (cancellable);
}

/* The registrar's certificate check (blocking, so in a thread of its own),
 * then the REGISTER through Sofia, which refreshes it. A registrar that
 * cannot be reached is tried again every REGISTER_RETRY_S seconds. */
static gpointer
register_thread_func (gpointer data)
{
  GstPgsmSipBin *self = data;
  GCancellable *cancellable;
  Settings st;
  gboolean tls = FALSE;
  gchar *host = NULL;
  guint port = 0;

  settings_snapshot (self, &st);
  g_mutex_lock (&self->call_lock);
  cancellable = g_object_ref (self->reg_cancel);
  g_mutex_unlock (&self->call_lock);

  if (!parse_sip_uri (st.registrar, FALSE, &tls, &host, &port)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (_("Invalid registrar URI.")),
        ("registrar '%s'", st.registrar));
    goto done;
  }
  /* through an outbound proxy, the proxy is the TLS server to check */
  if (st.proxy != NULL) {
    g_clear_pointer (&host, g_free);
    if (!parse_sip_uri (st.proxy, FALSE, &tls, &host, &port)) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (_("Invalid proxy URI.")),
          ("proxy '%s'", st.proxy));
      goto done;
    }
  }
  if (!tls && !st.allow_insecure) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Refusing to register over insecure signalling.")),
        ("%s is not a sips: URI (allow-insecure-signaling is false)",
            st.registrar));
    goto done;
  }
  if (st.local_uri == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Registration needs our address (local-uri).")),
        ("registrar set without local-uri"));
    goto done;
  }
  post_call (self, "registering", NULL, "registrar", G_TYPE_STRING,
      st.registrar, NULL);
  for (;;) {
    PrecheckResult r = PRECHECK_OK;

    if (tls)
      r = precheck_server (self, host, port, &st, cancellable, TRUE, NULL,
          NULL);
    if (r == PRECHECK_OK) {
      g_mutex_lock (&self->call_lock);
      if (self->sofia != NULL && !g_cancellable_is_cancelled (cancellable))
        gst_pgsm_sofia_register (self->sofia, st.registrar, st.local_uri,
            st.username, st.password, REGISTER_EXPIRES_S, REGISTER_RETRY_S);
      g_mutex_unlock (&self->call_lock);
      break;
    }
    /* refused: the certificate ERROR is posted, no REGISTER goes out */
    if (r == PRECHECK_REFUSED
        || !sleep_cancellable (REGISTER_RETRY_S, cancellable))
      break;
  }

done:
  g_free (host);
  settings_clear (&st);
  g_object_unref (cancellable);
  return NULL;
}

/* The outcome of a REGISTER (in the Sofia thread) */
static void
on_registration (GstPgsmSofia * sofia, guint status, const gchar * phrase,
    guint expires, GstPgsmSipBin * self)
{
  if (status < 300) {
    post_call (self, "registered", NULL, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, phrase, "expires", G_TYPE_UINT, expires, NULL);
  } else if (status == 401 || status == 403 || status == 407) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        (_("The SIP registrar refused our credentials.")),
        ("REGISTER: %u %s", status, phrase));
    post_call (self, "failed", NULL, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, phrase, NULL);
  } else {
    /* down, unreachable, overloaded: Sofia tries again */
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ_WRITE,
        (_("Could not register with the SIP registrar; trying again.")),
        ("REGISTER: %u %s; again in %d s", status, phrase, REGISTER_RETRY_S));
    post_call (self, "registering", NULL, "status", G_TYPE_UINT, status,
        "reason", G_TYPE_STRING, phrase, NULL);
  }
}

static void
register_start (GstPgsmSipBin * self, const Settings * st)
{
  if (st->registrar == NULL)
    return;
  g_mutex_lock (&self->call_lock);
  self->reg_cancel = g_cancellable_new ();
  self->reg_thread = g_thread_new ("pgsmsip-register", register_thread_func,
      self);
  g_mutex_unlock (&self->call_lock);
}

static void
register_stop (GstPgsmSipBin * self)
{
  GThread *thread;
  GCancellable *cancellable;

  g_mutex_lock (&self->call_lock);
  thread = g_steal_pointer (&self->reg_thread);
  cancellable = g_steal_pointer (&self->reg_cancel);
  g_mutex_unlock (&self->call_lock);
  if (cancellable != NULL)
    g_cancellable_cancel (cancellable);
  if (thread != NULL)
    g_thread_join (thread);
  g_clear_object (&cancellable);
}

/* ---- start and stop ---------------------------------------------------- */

static gboolean
copy_into (const gchar * src, const gchar * dest, gboolean append,
    GError ** error)
{
  gchar *data = NULL;
  gsize len = 0;
  FILE *f;
  gboolean ok;

  if (!g_file_get_contents (src, &data, &len, error))
    return FALSE;
  f = g_fopen (dest, append ? "ab" : "wb");
  ok = f != NULL && fwrite (data, 1, len, f) == len
      && fwrite ("\n", 1, 1, f) == 1;
  if (f != NULL)
    ok &= fclose (f) == 0;
  g_free (data);
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", dest);
  return ok;
}

/* Sofia loads only the first certificate of agent.pem; OpenSSL completes
 * the chain it sends from the CA store, so the intermediates of our chain
 * (never the leaf) go to cafile.pem too. They do not become trust anchors:
 * OpenSSL still needs a self-signed root to accept a chain. */
static gboolean
copy_intermediates (const gchar * chain_file, const gchar * dest,
    GError ** error)
{
  static const gchar begin[] = "-----BEGIN CERTIFICATE-----";
  gchar *data = NULL, *second;
  gboolean ok = TRUE;
  FILE *f;

  if (!g_file_get_contents (chain_file, &data, NULL, error))
    return FALSE;
  second = strstr (data, begin);
  second = second ? strstr (second + 1, begin) : NULL;
  if (second != NULL) {
    f = g_fopen (dest, "ab");
    ok = f != NULL && fputs (second, f) >= 0 && fputs ("\n", f) >= 0;
    if (f != NULL)
      ok &= fclose (f) == 0;
    if (!ok)
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s",
          dest);
  }
  g_free (data);
  return ok;
}

/* Sofia reads TLS material from a directory: agent.pem (our key, then our
 * chain) and cafile.pem (the CAs it trusts). Made private (0700) per bin. */
static gchar *
make_cert_dir (const Settings * st, GError ** error)
{
  gchar *dir = g_dir_make_tmp ("pgsmsip-XXXXXX", error);
  gchar *agent, *cafile;
  gboolean ok = TRUE;

  if (dir == NULL)
    return NULL;
  agent = g_build_filename (dir, "agent.pem", NULL);
  cafile = g_build_filename (dir, "cafile.pem", NULL);
  if (st->ca_file != NULL)
    ok = copy_into (st->ca_file, cafile, TRUE, error);
  if (ok && st->cert_file != NULL && st->key_file != NULL)
    ok = copy_into (st->key_file, agent, FALSE, error)
        && copy_into (st->cert_file, agent, TRUE, error)
        && copy_intermediates (st->cert_file, cafile, error);
  if (ok && st->use_system_ca
      && g_file_test ("/etc/ssl/certs/ca-certificates.crt", G_FILE_TEST_EXISTS))
    ok = copy_into ("/etc/ssl/certs/ca-certificates.crt", cafile, TRUE, error);
  g_free (agent);
  g_free (cafile);
  if (!ok) {
    g_free (dir);
    return NULL;
  }
  return dir;
}

static void
remove_cert_dir (gchar * dir)
{
  const gchar *names[] = { "agent.pem", "cafile.pem" };
  guint i;

  if (dir == NULL)
    return;
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (dir, names[i], NULL);

    g_unlink (path);
    g_free (path);
  }
  g_rmdir (dir);
  g_free (dir);
}

static gboolean
start (GstPgsmSipBin * self)
{
  Settings st;
  GstPgsmSofiaConfig config = { 0, };
  GstPgsmSofia *sofia = NULL;
  GError *err = NULL;
  gchar *dir = NULL;
  gboolean tls = FALSE;
  gchar *host = NULL;
  guint port = 0;

  settings_snapshot (self, &st);
  if (!parse_sip_uri (st.listen_uri, TRUE, &tls, &host, &port)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS, (_("Invalid listen URI.")),
        ("listen-uri '%s'", st.listen_uri ? st.listen_uri : ""));
    goto out;
  }
  if (!tls && !st.allow_insecure) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Refusing insecure signalling.")),
        ("listen-uri '%s' is not sips: and allow-insecure-signaling is false",
            st.listen_uri));
    goto out;
  }
  if (st.media_encryption == GST_PGSM_SIP_MEDIA_ENCRYPTION_NONE
      && !st.allow_insecure) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Refusing clear media.")),
        ("media-encryption=none is only for the site's inside leg and "
            "needs allow-insecure-signaling=true"));
    goto out;
  }
  dir = make_cert_dir (&st, &err);
  if (dir == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not read the certificate files.")), ("%s", err->message));
    goto out;
  }
  config.bind_url = st.listen_uri;
  config.certificate_dir = dir;
  config.local_uri = st.local_uri;
  config.verify_outgoing = TRUE;
  config.username = st.username;
  config.password = st.password;
  config.proxy = st.proxy;
  sofia = gst_pgsm_sofia_new (&config, &err);
  if (sofia == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ_WRITE,
        (_("Could not start the SIP agent.")), ("%s", err->message));
    remove_cert_dir (g_steal_pointer (&dir));
    goto out;
  }
  g_signal_connect (sofia, "incoming", G_CALLBACK (on_incoming), self);
  g_signal_connect (sofia, "progress", G_CALLBACK (on_progress), self);
  g_signal_connect (sofia, "answered", G_CALLBACK (on_answered), self);
  g_signal_connect (sofia, "established", G_CALLBACK (on_established), self);
  g_signal_connect (sofia, "ended", G_CALLBACK (on_ended), self);
  g_signal_connect (sofia, "reinvite", G_CALLBACK (on_reinvite), self);
  g_signal_connect (sofia, "registration", G_CALLBACK (on_registration), self);

  GST_OBJECT_LOCK (self);
  self->bound_port = gst_pgsm_sofia_get_bound_port (sofia);
  GST_OBJECT_UNLOCK (self);
  g_object_notify (G_OBJECT (self), "bound-port");

  g_mutex_lock (&self->call_lock);
  self->sofia = sofia;
  self->cert_dir = dir;
  g_mutex_unlock (&self->call_lock);
  register_start (self, &st);

out:
  g_clear_error (&err);
  g_free (host);
  settings_clear (&st);
  return sofia != NULL;
}

/* Ends the call (BYE/CANCEL/603 through Sofia) and removes its media */
static void
stop_calls (GstPgsmSipBin * self)
{
  guint i;

  /* set-up threads first: cancelled, they end their call themselves */
  g_mutex_lock (&self->call_lock);
  for (i = 0; i < self->calls->len; i++) {
    Call *call = g_ptr_array_index (self->calls, i);

    if (call->setup_cancel != NULL)
      g_cancellable_cancel (call->setup_cancel);
  }
  while (self->setups_running > 0)
    g_cond_wait (&self->setup_cond, &self->call_lock);

  while (self->calls->len > 0) {
    Call *call = g_ptr_array_steal_index (self->calls, self->calls->len - 1);

    if (self->sofia != NULL)
      gst_pgsm_sofia_hangup (self->sofia, call->call_id);
    post_call (self, "ended", call->call_id, "status", G_TYPE_UINT, 0,
        "reason", G_TYPE_STRING, "stopped", NULL);
    media_stop_unlocked (self, call);
    call_free (call);
  }
  g_mutex_unlock (&self->call_lock);
}

static void
stop (GstPgsmSipBin * self)
{
  GstPgsmSofia *sofia;
  gchar *dir;

  stop_calls (self);
  register_stop (self);

  g_mutex_lock (&self->call_lock);
  sofia = g_steal_pointer (&self->sofia);
  dir = g_steal_pointer (&self->cert_dir);
  g_mutex_unlock (&self->call_lock);

  /* nua_shutdown ends what is left; its events still come to our handlers,
   * which take call_lock: not held here */
  if (sofia != NULL) {
    gst_pgsm_sofia_shutdown (sofia);
    g_signal_handlers_disconnect_by_data (sofia, self);
    g_object_unref (sofia);
  }
  remove_cert_dir (dir);

  GST_OBJECT_LOCK (self);
  self->bound_port = 0;
  GST_OBJECT_UNLOCK (self);
}

static void
call_remote_uri (GstPgsmSipBin * self)
{
  gchar *uri;
  gboolean idle;

  GST_OBJECT_LOCK (self);
  uri = g_strdup (self->remote_uri);
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->call_lock);
  idle = self->calls->len == 0;
  g_mutex_unlock (&self->call_lock);
  if (uri != NULL && idle)
    g_free (gst_pgsm_sip_bin_call (self, uri));
  g_free (uri);
}

static GstStateChangeReturn
gst_pgsm_sip_bin_change_state (GstElement * element, GstStateChange transition)
{
  GstPgsmSipBin *self = GST_PGSM_SIP_BIN (element);
  GstStateChangeReturn ret;

  switch (transition) {
    case GST_STATE_CHANGE_NULL_TO_READY:
      if (!start (self))
        return GST_STATE_CHANGE_FAILURE;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* before the children stop */
      stop_calls (self);
      break;
    default:
      break;
  }

  ret = GST_ELEMENT_CLASS (gst_pgsm_sip_bin_parent_class)->change_state
      (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* audio comes out when the other side sends it: a live source */
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_PLAYING:
      call_remote_uri (self);
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      stop (self);
      break;
    default:
      break;
  }
  return ret;
}
