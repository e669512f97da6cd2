/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-pgsmtlssrc
 * @title: pgsmtlssrc
 * @see_also: #tcpclientsrc
 *
 * pgsmtlssrc connects to a TLS server over TCP, verifies the server
 * certificate exactly as a browser verifies an HTTPS site, and only then
 * produces the bytes the server sends. It is the TLS twin of tcpclientsrc.
 *
 * The certificate must chain to a trusted CA (the system store, see
 * #GstPgsmTlsSrc:use-system-ca, and/or the CAs of #GstPgsmTlsSrc:ca-file),
 * be valid at the local time, name the dialled host (or
 * #GstPgsmTlsSrc:server-name) in its subjectAltName, allow TLS server
 * authentication, not be revoked (when #GstPgsmTlsSrc:crl-file is set), use
 * no MD5/SHA-1 signature and no RSA key under 2048 bits, and match one of
 * #GstPgsmTlsSrc:pinned-sha256 when pins are given. TLS 1.2 is the minimum.
 *
 * When the certificate is refused, the element posts an ERROR in the
 * `pgsm-tls-error-quark` domain, code `PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED`,
 * whose message is exactly "You are attempting to open a secure connection,
 * but the server's certificate is not trusted. Please contact your system
 * administrator", whose debug string gives the reasons, and whose details
 * structure `pgsm-certificate-verdict` carries the verdict flags, host,
 * port and the peer certificate. Not one byte from that server goes
 * downstream.
 *
 * The connection, the TLS handshake and the verification run in the
 * streaming thread when the first buffer is asked for, so that a state
 * change to READY or NULL cancels them at once, whatever stage they are at.
 * Network failures (unknown host, connection refused, timeout) are ordinary
 * %GST_RESOURCE_ERROR errors with their own messages.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 pgsmtlssrc host=sip.example.com port=5061 ca-file=/etc/company-ca.pem ! filesink location=out.bin
 * ]| Receives a stream over TLS from sip.example.com, trusting the system
 * CAs and the company CA.
 * |[
 * gst-launch-1.0 pgsmtlssrc host=127.0.0.1 port=4433 server-name=pbx.example.test use-system-ca=false ca-file=root.pem ! fakesink dump=true
 * ]| Dials an address, verifies the certificate against the name
 * pbx.example.test and a private CA only.
 *
 * Since: 0.1
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpgsmtlselements.h"
#include "pgsmtlsverify.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <gst/base/gstpushsrc.h>
#include <gio/gio.h>
#include <gst/pgsm/pgsmi18n.h>

GST_DEBUG_CATEGORY_STATIC (pgsm_tls_src_debug);
#define GST_CAT_DEFAULT pgsm_tls_src_debug

#define DEFAULT_HOST            NULL
#define DEFAULT_PORT            443
#define DEFAULT_SERVER_NAME     NULL
#define DEFAULT_CA_FILE         NULL
#define DEFAULT_USE_SYSTEM_CA   TRUE
#define DEFAULT_CRL_FILE        NULL
#define DEFAULT_PINNED_SHA256   NULL
#define DEFAULT_CERT_FILE       NULL
#define DEFAULT_KEY_FILE        NULL
#define DEFAULT_TIMEOUT         0

#define STATS_NAME              "application/x-pgsm-tls-src-stats"

enum
{
  SIGNAL_ACCEPT_CERTIFICATE,
  LAST_SIGNAL
};

enum
{
  PROP_0,
  PROP_HOST,
  PROP_PORT,
  PROP_SERVER_NAME,
  PROP_CA_FILE,
  PROP_USE_SYSTEM_CA,
  PROP_CRL_FILE,
  PROP_PINNED_SHA256,
  PROP_CERT_FILE,
  PROP_KEY_FILE,
  PROP_TIMEOUT,
  PROP_PEER_CERTIFICATE,
  PROP_PEER_CERTIFICATE_SHA256,
  PROP_TLS_VERSION,
  PROP_CIPHER_SUITE,
  PROP_VERIFICATION_FLAGS,
  PROP_STATS,
};

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS_ANY);

#define GST_TYPE_PGSM_TLS_SRC (gst_pgsm_tls_src_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmTlsSrc, gst_pgsm_tls_src, GST, PGSM_TLS_SRC,
    GstPushSrc);

struct _GstPgsmTlsSrc
{
  GstPushSrc parent;

  /* Properties, protected by object lock */
  gchar *host;
  guint port;
  gchar *server_name;
  gchar *ca_file;
  gboolean use_system_ca;
  gchar *crl_file;
  gchar *pinned_sha256;
  gchar *cert_file;
  gchar *key_file;
  guint timeout;

  /* Results, protected by object lock */
  gchar *peer_pem;
  gchar *peer_sha256;
  gchar *tls_version;
  gchar *cipher_suite;
  PgsmCertificateFlags verification_flags;
  guint64 bytes_received;
  guint64 buffers;
  GstClockTime connect_time;
  GstClockTime handshake_time;
  GstClockTime verify_time;
  GstClockTime first_byte_time;
  GstStructure *stats;          /* snapshot taken in stop() */

  /* Cancels connect, handshake and reads; protected by object lock */
  GCancellable *cancellable;

  /* Connection state: set up in start(), used by the streaming thread,
   * torn down in stop() */
  PgsmTlsVerifySettings verify;
  gchar *conn_host;
  gchar *conn_name;
  guint conn_port;
  guint conn_timeout;
  gnutls_certificate_credentials_t credentials;
  GSocketConnection *connection;
  GSocket *socket;
  gnutls_session_t session;
  gboolean established;         /* handshake done, certificate accepted */
  PgsmTlsVerdict *verdict;      /* of the current connection, or NULL */
  gboolean verdict_trusted;     /* trusted or accepted by the application */
  gint64 start_time;            /* monotonic µs when connecting began */

  /* Used by the GnuTLS transport callbacks, streaming thread only */
  GCancellable *io_cancellable;
  GError *io_error;
};

static guint gst_pgsm_tls_src_signals[LAST_SIGNAL] = { 0 };

G_DEFINE_TYPE (GstPgsmTlsSrc, gst_pgsm_tls_src, GST_TYPE_PUSH_SRC);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (pgsmtlssrc, "pgsmtlssrc",
    GST_RANK_NONE, GST_TYPE_PGSM_TLS_SRC,
    GST_DEBUG_CATEGORY_INIT (pgsm_tls_src_debug, "pgsmtlssrc", 0,
        "TLS client source with certificate verification"));

static void gst_pgsm_tls_src_finalize (GObject * object);
static void gst_pgsm_tls_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec);
static void gst_pgsm_tls_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec);
static gboolean gst_pgsm_tls_src_start (GstBaseSrc * bsrc);
static gboolean gst_pgsm_tls_src_stop (GstBaseSrc * bsrc);
static gboolean gst_pgsm_tls_src_unlock (GstBaseSrc * bsrc);
static gboolean gst_pgsm_tls_src_unlock_stop (GstBaseSrc * bsrc);
static GstFlowReturn gst_pgsm_tls_src_create (GstPushSrc * psrc,
    GstBuffer ** outbuf);

static GstStructure *stats_new_unlocked (GstPgsmTlsSrc * self);
static int verify_cb (gnutls_session_t session);
static GstFlowReturn refuse (GstPgsmTlsSrc * self);

static void
gst_pgsm_tls_src_class_init (GstPgsmTlsSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);

  gobject_class->finalize = gst_pgsm_tls_src_finalize;
  gobject_class->set_property = gst_pgsm_tls_src_set_property;
  gobject_class->get_property = gst_pgsm_tls_src_get_property;

  /**
   * GstPgsmTlsSrc:host:
   *
   * The host name or IP address of the server. Also the identity the
   * certificate must carry, unless #GstPgsmTlsSrc:server-name is set.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_HOST,
      g_param_spec_string ("host", "Host",
          "Host name or address of the TLS server", DEFAULT_HOST,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:port:
   *
   * The TCP port of the server.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PORT,
      g_param_spec_uint ("port", "Port", "TCP port of the TLS server", 1,
          G_MAXUINT16, DEFAULT_PORT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:server-name:
   *
   * The name sent as SNI and matched against the certificate, when it
   * differs from #GstPgsmTlsSrc:host (for example when dialling an IP
   * address). %NULL: use the host.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_SERVER_NAME,
      g_param_spec_string ("server-name", "Server name",
          "Name sent as SNI and expected in the certificate (NULL = host)",
          DEFAULT_SERVER_NAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:ca-file:
   *
   * A PEM file of one or more CA certificates to trust in addition to (or,
   * with #GstPgsmTlsSrc:use-system-ca off, instead of) the system store:
   * this is how a private company CA is imported.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CA_FILE,
      g_param_spec_string ("ca-file", "CA file",
          "PEM file of CA certificates to trust", DEFAULT_CA_FILE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:use-system-ca:
   *
   * Whether the CAs of the system trust store are trusted. With it off and
   * no #GstPgsmTlsSrc:ca-file, nothing is trusted and the element refuses
   * to start.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_USE_SYSTEM_CA,
      g_param_spec_boolean ("use-system-ca", "Use system CA",
          "Trust the CAs of the system trust store", DEFAULT_USE_SYSTEM_CA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:crl-file:
   *
   * A CRL (PEM or DER). Certificates it lists are refused as revoked.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CRL_FILE,
      g_param_spec_string ("crl-file", "CRL file",
          "Certificate revocation list (PEM or DER)", DEFAULT_CRL_FILE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:pinned-sha256:
   *
   * One or more SHA-256 fingerprints, in hex, separated by commas or
   * spaces; colons inside a fingerprint and case are ignored. Each is the
   * fingerprint of a certificate DER or of a SubjectPublicKeyInfo DER. When
   * set, the server certificate must also match one of them: a pin narrows
   * trust, it never replaces the chain check.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PINNED_SHA256,
      g_param_spec_string ("pinned-sha256", "Pinned SHA-256",
          "Hex SHA-256 fingerprints of the certificate or its public key, "
          "separated by commas", DEFAULT_PINNED_SHA256,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:cert-file:
   *
   * A PEM file with the client certificate (and its chain), for servers
   * that ask for one. Needs #GstPgsmTlsSrc:key-file.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CERT_FILE,
      g_param_spec_string ("cert-file", "Client certificate file",
          "PEM file with the client certificate chain", DEFAULT_CERT_FILE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:key-file:
   *
   * A PEM file with the private key of #GstPgsmTlsSrc:cert-file. Its
   * content is never logged.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_KEY_FILE,
      g_param_spec_string ("key-file", "Client key file",
          "PEM file with the private key of the client certificate",
          DEFAULT_KEY_FILE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:timeout:
   *
   * Seconds to wait for any one network operation (connect, each step of
   * the handshake, each read), and for the whole TLS handshake, before
   * failing with a timeout error.
   * 0: wait for ever (a state change to READY or NULL still stops it).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds to wait for a network operation (0 = no timeout)", 0,
          G_MAXUINT / 1000, DEFAULT_TIMEOUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
          GST_PARAM_MUTABLE_READY));

  /**
   * GstPgsmTlsSrc:peer-certificate:
   *
   * The server certificate (leaf) in PEM, once the handshake is done,
   * whether it was accepted or not. %NULL before.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_PEER_CERTIFICATE,
      g_param_spec_string ("peer-certificate", "Peer certificate",
          "The server certificate, PEM", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc:peer-certificate-sha256:
   *
   * Lower-case hex SHA-256 of the server certificate DER (the value to put
   * in #GstPgsmTlsSrc:pinned-sha256 to pin that certificate).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class,
      PROP_PEER_CERTIFICATE_SHA256,
      g_param_spec_string ("peer-certificate-sha256",
          "Peer certificate SHA-256",
          "Hex SHA-256 of the server certificate DER", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc:tls-version:
   *
   * The negotiated protocol version ("TLS1.3", "TLS1.2"), once connected.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_TLS_VERSION,
      g_param_spec_string ("tls-version", "TLS version",
          "Negotiated TLS version", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc:cipher-suite:
   *
   * The negotiated cipher suite in its IANA name
   * ("TLS_AES_256_GCM_SHA384"), once connected.
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_CIPHER_SUITE,
      g_param_spec_string ("cipher-suite", "Cipher suite",
          "Negotiated cipher suite", NULL,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc:verification-flags:
   *
   * The verdict on the server certificate: 0 when it was trusted, else one
   * flag per reason it was refused (or accepted by an
   * #GstPgsmTlsSrc::accept-certificate handler despite them).
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_VERIFICATION_FLAGS,
      g_param_spec_flags ("verification-flags", "Verification flags",
          "Verdict on the server certificate (0 = trusted)",
          PGSM_TYPE_CERTIFICATE_FLAGS, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc:stats:
   *
   * Statistics, in a #GstStructure named
   * `application/x-pgsm-tls-src-stats`; kept after the element stops:
   *
   * * `bytes-received` (#guint64): application bytes produced
   * * `buffers` (#guint64): buffers produced
   * * `connect-time` (#guint64): nanoseconds to resolve and connect TCP
   * * `handshake-time` (#guint64): nanoseconds of the TLS handshake,
   *   certificate verification included
   * * `verify-time` (#guint64): the part of it spent verifying the
   *   certificate (once per connection)
   * * `first-byte-time` (#guint64): nanoseconds from the start of
   *   connecting to the first verified byte (0 until then)
   * * `tls-version`, `cipher-suite` (#gchararray): as the properties
   * * `verification-flags` (#PgsmCertificateFlags): as the property
   *
   * Since: 0.1
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Connection statistics", GST_TYPE_STRUCTURE,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * GstPgsmTlsSrc::accept-certificate:
   * @src: the element
   * @peer_certificate: the server certificate, PEM
   * @flags: the #PgsmCertificateFlags verdict, not 0
   *
   * Emitted when the server certificate fails verification, before the
   * element refuses it. A handler may return %TRUE to accept the
   * certificate anyway (the application then owns that decision, for
   * example after asking the user); the first handler that returns %TRUE
   * stops the emission. With no handler, or when every handler returns
   * %FALSE, the certificate is refused and the certificate ERROR is posted.
   *
   * Emitted from the streaming thread of the element, in the middle of the
   * TLS handshake (from GnuTLS' certificate callback), with no lock held;
   * the handler may block it (the connection waits). It must not change the
   * element's state.
   *
   * Returns: %TRUE to accept the certificate despite @flags
   *
   * Since: 0.1
   */
  gst_pgsm_tls_src_signals[SIGNAL_ACCEPT_CERTIFICATE] =
      g_signal_new ("accept-certificate", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST, 0, g_signal_accumulator_true_handled, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, PGSM_TYPE_CERTIFICATE_FLAGS);

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_pgsm_tls_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_pgsm_tls_src_stop);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_pgsm_tls_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_pgsm_tls_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_pgsm_tls_src_create);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "TLS client source with certificate verification",
      "Source/Network",
      "Receives data from a TLS server after verifying its certificate. "
      "Example: gst-launch-1.0 pgsmtlssrc host=pbx.example.com port=5061 "
      "ca-file=company-ca.pem ! filesink location=out.bin",
      "gst-pgsm contributors");

  gst_type_mark_as_plugin_api (PGSM_TYPE_CERTIFICATE_FLAGS, 0);
}

static void
gst_pgsm_tls_src_init (GstPgsmTlsSrc * self)
{
  self->host = g_strdup (DEFAULT_HOST);
  self->port = DEFAULT_PORT;
  self->server_name = g_strdup (DEFAULT_SERVER_NAME);
  self->ca_file = g_strdup (DEFAULT_CA_FILE);
  self->use_system_ca = DEFAULT_USE_SYSTEM_CA;
  self->crl_file = g_strdup (DEFAULT_CRL_FILE);
  self->pinned_sha256 = g_strdup (DEFAULT_PINNED_SHA256);
  self->cert_file = g_strdup (DEFAULT_CERT_FILE);
  self->key_file = g_strdup (DEFAULT_KEY_FILE);
  self->timeout = DEFAULT_TIMEOUT;
  self->cancellable = g_cancellable_new ();
  self->stats = stats_new_unlocked (self);
}

static void
gst_pgsm_tls_src_finalize (GObject * object)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (object);

  g_free (self->host);
  g_free (self->server_name);
  g_free (self->ca_file);
  g_free (self->crl_file);
  g_free (self->pinned_sha256);
  g_free (self->cert_file);
  g_free (self->key_file);
  g_free (self->peer_pem);
  g_free (self->peer_sha256);
  g_free (self->tls_version);
  g_free (self->cipher_suite);
  g_clear_pointer (&self->stats, gst_structure_free);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (gst_pgsm_tls_src_parent_class)->finalize (object);
}

static void
gst_pgsm_tls_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_free (self->host);
      self->host = g_value_dup_string (value);
      break;
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_SERVER_NAME:
      g_free (self->server_name);
      self->server_name = g_value_dup_string (value);
      break;
    case PROP_CA_FILE:
      g_free (self->ca_file);
      self->ca_file = g_value_dup_string (value);
      break;
    case PROP_USE_SYSTEM_CA:
      self->use_system_ca = g_value_get_boolean (value);
      break;
    case PROP_CRL_FILE:
      g_free (self->crl_file);
      self->crl_file = g_value_dup_string (value);
      break;
    case PROP_PINNED_SHA256:
      g_free (self->pinned_sha256);
      self->pinned_sha256 = g_value_dup_string (value);
      break;
    case PROP_CERT_FILE:
      g_free (self->cert_file);
      self->cert_file = g_value_dup_string (value);
      break;
    case PROP_KEY_FILE:
      g_free (self->key_file);
      self->key_file = g_value_dup_string (value);
      break;
    case PROP_TIMEOUT:
      self->timeout = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_pgsm_tls_src_get_property (GObject * object, guint prop_id,
    GValue * value, GParamSpec * pspec)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_HOST:
      g_value_set_string (value, self->host);
      break;
    case PROP_PORT:
      g_value_set_uint (value, self->port);
      break;
    case PROP_SERVER_NAME:
      g_value_set_string (value, self->server_name);
      break;
    case PROP_CA_FILE:
      g_value_set_string (value, self->ca_file);
      break;
    case PROP_USE_SYSTEM_CA:
      g_value_set_boolean (value, self->use_system_ca);
      break;
    case PROP_CRL_FILE:
      g_value_set_string (value, self->crl_file);
      break;
    case PROP_PINNED_SHA256:
      g_value_set_string (value, self->pinned_sha256);
      break;
    case PROP_CERT_FILE:
      g_value_set_string (value, self->cert_file);
      break;
    case PROP_KEY_FILE:
      g_value_set_string (value, self->key_file);
      break;
    case PROP_TIMEOUT:
      g_value_set_uint (value, self->timeout);
      break;
    case PROP_PEER_CERTIFICATE:
      g_value_set_string (value, self->peer_pem);
      break;
    case PROP_PEER_CERTIFICATE_SHA256:
      g_value_set_string (value, self->peer_sha256);
      break;
    case PROP_TLS_VERSION:
      g_value_set_string (value, self->tls_version);
      break;
    case PROP_CIPHER_SUITE:
      g_value_set_string (value, self->cipher_suite);
      break;
    case PROP_VERIFICATION_FLAGS:
      g_value_set_flags (value, self->verification_flags);
      break;
    case PROP_STATS:
      /* Live figures while a connection exists, else the snapshot */
      if (self->session)
        g_value_take_boxed (value, stats_new_unlocked (self));
      else
        g_value_set_boxed (value, self->stats);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

/* ------------------------------------------------------------------------ */
/* start / stop                                                             */

/* Splits the pinned-sha256 property into normalised fingerprints (64
 * lower-case hex digits). Returns FALSE for anything else, so a typo in a
 * pin is an error at start, never a silently ignored pin. */
static gboolean
parse_pins (const gchar * text, gchar *** pins_out)
{
  gchar **parts, **p;
  GPtrArray *pins;

  *pins_out = NULL;
  if (text == NULL)
    return TRUE;

  pins = g_ptr_array_new_with_free_func (g_free);
  parts = g_strsplit_set (text, ", ;\t\n", -1);
  for (p = parts; *p; p++) {
    GString *hex;
    const gchar *c;

    if (**p == '\0')
      continue;
    hex = g_string_new (NULL);
    for (c = *p; *c; c++) {
      if (*c == ':')
        continue;
      if (!g_ascii_isxdigit (*c))
        break;
      g_string_append_c (hex, g_ascii_tolower (*c));
    }
    if (*c != '\0' || hex->len != 64) {
      g_string_free (hex, TRUE);
      g_strfreev (parts);
      g_ptr_array_unref (pins);
      return FALSE;
    }
    g_ptr_array_add (pins, g_string_free (hex, FALSE));
  }
  g_strfreev (parts);

  if (pins->len > 0) {
    g_ptr_array_add (pins, NULL);
    *pins_out = (gchar **) g_ptr_array_free (pins, FALSE);
  } else {
    g_ptr_array_unref (pins);
  }
  return TRUE;
}

/* Clears the results of a previous connection. Expects the object lock. */
static void
reset_results_unlocked (GstPgsmTlsSrc * self)
{
  g_clear_pointer (&self->peer_pem, g_free);
  g_clear_pointer (&self->peer_sha256, g_free);
  g_clear_pointer (&self->tls_version, g_free);
  g_clear_pointer (&self->cipher_suite, g_free);
  self->verification_flags = 0;
  self->bytes_received = 0;
  self->buffers = 0;
  self->connect_time = 0;
  self->handshake_time = 0;
  self->verify_time = 0;
  self->first_byte_time = 0;
}

static gboolean
load_client_certificate (GstPgsmTlsSrc * self, const gchar * cert_file,
    const gchar * key_file)
{
  int ret;

  if (cert_file == NULL && key_file == NULL)
    return TRUE;

  if (cert_file == NULL || key_file == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("A client certificate needs both a certificate and a key file.")),
        ("cert-file=%s key-file=%s", GST_STR_NULL (cert_file),
            GST_STR_NULL (key_file)));
    return FALSE;
  }

  ret = gnutls_certificate_set_x509_key_file2 (self->credentials, cert_file,
      key_file, GNUTLS_X509_FMT_PEM, NULL, 0);
  if (ret < 0) {
    /* The GnuTLS message names the failure, never the key content */
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("Could not load the client certificate.")),
        ("cert-file %s, key-file %s: %s", cert_file, key_file,
            gnutls_strerror (ret)));
    return FALSE;
  }
  return TRUE;
}

static gboolean
gst_pgsm_tls_src_start (GstBaseSrc * bsrc)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (bsrc);
  g_autofree gchar *cert_file = NULL;
  g_autofree gchar *key_file = NULL;
  g_autofree gchar *pins_text = NULL;
  GError *err = NULL;
  gchar **pins = NULL;
  gboolean ret = FALSE;

  GST_OBJECT_LOCK (self);
  reset_results_unlocked (self);
  /* A fresh start is never born cancelled */
  if (g_cancellable_is_cancelled (self->cancellable)) {
    g_object_unref (self->cancellable);
    self->cancellable = g_cancellable_new ();
  }
  self->conn_host = g_strdup (self->host);
  self->conn_port = self->port;
  self->conn_name = g_strdup (self->server_name ? self->server_name :
      self->host);
  self->conn_timeout = self->timeout;
  self->verify.ca_file = g_strdup (self->ca_file);
  self->verify.use_system_ca = self->use_system_ca;
  self->verify.crl_file = g_strdup (self->crl_file);
  self->verify.identity = PGSM_TLS_IDENTITY_HOST;
  cert_file = g_strdup (self->cert_file);
  key_file = g_strdup (self->key_file);
  pins_text = g_strdup (self->pinned_sha256);
  GST_OBJECT_UNLOCK (self);

  if (self->conn_host == NULL || *self->conn_host == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        (_("No server host was given.")), ("the host property is not set"));
    goto out;
  }

  if (!parse_pins (pins_text, &pins)) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_("A pinned fingerprint is not a SHA-256 fingerprint.")),
        ("pinned-sha256 \"%s\": expected 64 hex digits per fingerprint",
            pins_text));
    goto out;
  }
  self->verify.pinned_sha256 = pins;

  self->credentials = pgsm_tls_credentials_new (&self->verify, &err);
  if (self->credentials == NULL) {
    /* An empty or unreadable trust store: nothing could ever be trusted */
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
        err->domain, err->code,
        g_strdup (_("No trusted certificate authority could be loaded.")),
        g_strdup_printf ("ca-file=%s use-system-ca=%d: %s",
            GST_STR_NULL (self->verify.ca_file), self->verify.use_system_ca,
            err->message), __FILE__, G_STRFUNC, __LINE__);
    g_clear_error (&err);
    goto out;
  }

  if (!load_client_certificate (self, cert_file, key_file))
    goto out;

  GST_DEBUG_OBJECT (self, "ready to connect to %s:%u as %s", self->conn_host,
      self->conn_port, self->conn_name);
  ret = TRUE;

out:
  if (!ret)
    gst_pgsm_tls_src_stop (bsrc);
  return ret;
}

/* Closes the TCP connection and frees the TLS session, keeping the results
 * the properties show. Not with the object lock held. */
static void
close_connection (GstPgsmTlsSrc * self)
{
  gnutls_session_t session;

  if (self->session && self->established && self->socket) {
    /* Say goodbye without waiting: a server that does not read must not
     * hold up the state change */
    g_socket_set_blocking (self->socket, FALSE);
    gnutls_bye (self->session, GNUTLS_SHUT_WR);
  }
  if (self->connection)
    g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
  g_clear_object (&self->connection);
  self->socket = NULL;

  GST_OBJECT_LOCK (self);
  session = self->session;
  self->session = NULL;
  GST_OBJECT_UNLOCK (self);

  if (session)
    gnutls_deinit (session);
  self->established = FALSE;
  g_clear_pointer (&self->verdict, pgsm_tls_verdict_free);
  self->verdict_trusted = FALSE;
}

static gboolean
gst_pgsm_tls_src_stop (GstBaseSrc * bsrc)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (bsrc);
  GstStructure *stats;

  close_connection (self);

  GST_OBJECT_LOCK (self);
  stats = stats_new_unlocked (self);
  gst_structure_free (self->stats);
  self->stats = stats;
  GST_OBJECT_UNLOCK (self);

  if (self->credentials) {
    gnutls_certificate_free_credentials (self->credentials);
    self->credentials = NULL;
  }
  g_clear_error (&self->io_error);
  g_clear_object (&self->io_cancellable);
  pgsm_tls_verify_settings_clear (&self->verify);
  g_clear_pointer (&self->conn_host, g_free);
  g_clear_pointer (&self->conn_name, g_free);

  return TRUE;
}

static gboolean
gst_pgsm_tls_src_unlock (GstBaseSrc * bsrc)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (bsrc);
  GCancellable *cancellable;

  GST_DEBUG_OBJECT (self, "unlock");
  GST_OBJECT_LOCK (self);
  cancellable = g_object_ref (self->cancellable);
  GST_OBJECT_UNLOCK (self);
  /* Cancelling emits a signal: not under the object lock */
  g_cancellable_cancel (cancellable);
  g_object_unref (cancellable);

  return TRUE;
}

static gboolean
gst_pgsm_tls_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (bsrc);
  GCancellable *old;

  GST_DEBUG_OBJECT (self, "unlock_stop");
  GST_OBJECT_LOCK (self);
  old = self->cancellable;
  self->cancellable = g_cancellable_new ();
  GST_OBJECT_UNLOCK (self);
  g_object_unref (old);

  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* GnuTLS transport over GSocket, cancellable                               */

/* Keeps the GIO error for the element's own error mapping and hands GnuTLS
 * an errno: EAGAIN would make GnuTLS retry, anything else fails the call. */
static ssize_t
transport_fail (GstPgsmTlsSrc * self, GError * err)
{
  gboolean again = g_error_matches (err, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);

  gnutls_transport_set_errno (self->session, again ? EAGAIN : EIO);
  if (again) {
    g_error_free (err);
  } else {
    g_clear_error (&self->io_error);
    self->io_error = err;
  }
  return -1;
}

static ssize_t
transport_push_cb (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  GstPgsmTlsSrc *self = ptr;
  GError *err = NULL;
  gssize n;

  n = g_socket_send (self->socket, data, len, self->io_cancellable, &err);
  if (n < 0)
    return transport_fail (self, err);
  return n;
}

static ssize_t
transport_pull_cb (gnutls_transport_ptr_t ptr, void *data, size_t len)
{
  GstPgsmTlsSrc *self = ptr;
  GError *err = NULL;
  gssize n;

  n = g_socket_receive (self->socket, data, len, self->io_cancellable, &err);
  if (n < 0)
    return transport_fail (self, err);
  return n;
}

/* GnuTLS asks whether data can be read within @ms milliseconds: > 0 yes,
 * 0 timed out, -1 error. */
static int
transport_pull_timeout_cb (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  GstPgsmTlsSrc *self = ptr;
  GError *err = NULL;
  gboolean ready;

  if (ms == GNUTLS_INDEFINITE_TIMEOUT)
    ready = g_socket_condition_wait (self->socket, G_IO_IN | G_IO_HUP,
        self->io_cancellable, &err);
  else
    ready = g_socket_condition_timed_wait (self->socket, G_IO_IN | G_IO_HUP,
        (gint64) ms * 1000, self->io_cancellable, &err);

  if (ready)
    return 1;
  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    g_clear_error (&self->io_error);
    self->io_error = err;
    return 0;
  }
  transport_fail (self, err);
  return -1;
}

/* ------------------------------------------------------------------------ */
/* Connecting                                                               */

static gboolean
io_cancelled (GstPgsmTlsSrc * self)
{
  return g_error_matches (self->io_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      || g_cancellable_is_cancelled (self->io_cancellable);
}

static GstFlowReturn
connect_tcp (GstPgsmTlsSrc * self)
{
  GSocketClient *client;
  GSocketConnectable *address;
  GError *err = NULL;

  client = g_socket_client_new ();
  /* The timeout of the client becomes the timeout of the socket, so it also
   * bounds each handshake and read operation */
  g_socket_client_set_timeout (client, self->conn_timeout);
  /* A direct connection to the dialled address, as tcpclientsrc makes: the
   * certificate is checked end to end anyway, and the proxy lookup alone
   * costs more than the TCP handshake on a LAN */
  g_socket_client_set_enable_proxy (client, FALSE);
  address = g_network_address_new (self->conn_host, self->conn_port);

  GST_DEBUG_OBJECT (self, "connecting to %s:%u", self->conn_host,
      self->conn_port);
  self->connection = g_socket_client_connect (client, address,
      self->io_cancellable, &err);
  g_object_unref (address);
  g_object_unref (client);

  if (self->connection) {
    self->socket = g_socket_connection_get_socket (self->connection);
    /* GnuTLS writes a handshake flight in several small sends: with Nagle
     * the last ones wait for the peer's delayed ACK, 40 ms per handshake */
    if (!g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, &err)) {
      GST_DEBUG_OBJECT (self, "TCP_NODELAY: %s", err->message);
      g_clear_error (&err);
    }
    return GST_FLOW_OK;
  }

  if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    GST_DEBUG_OBJECT (self, "connecting cancelled");
    g_error_free (err);
    return GST_FLOW_FLUSHING;
  }

  if (err->domain == G_RESOLVER_ERROR) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
        (_("Could not resolve the server name.")),
        ("resolving %s: %s", self->conn_host, err->message));
  } else if (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Timed out connecting to the server.")),
        ("connecting to %s:%u: no answer within %u s", self->conn_host,
            self->conn_port, self->conn_timeout));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Could not connect to the server.")),
        ("connecting to %s:%u: %s", self->conn_host, self->conn_port,
            err->message));
  }
  g_error_free (err);
  return GST_FLOW_ERROR;
}

static gboolean
session_new (GstPgsmTlsSrc * self)
{
  gnutls_session_t session;
  GError *err = NULL;
  int ret;

  ret = gnutls_init (&session, GNUTLS_CLIENT);
  if (ret < 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("gnutls_init: %s", gnutls_strerror (ret)));
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->session = session;
  GST_OBJECT_UNLOCK (self);

  if (!pgsm_tls_session_setup_client (self->session, self->credentials,
          self->conn_name, &err)) {
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
        err->domain, err->code,
        g_strdup (_("Could not set up the secure connection.")),
        g_strdup_printf ("session setup for %s: %s", self->conn_name,
            err->message), __FILE__, G_STRFUNC, __LINE__);
    g_error_free (err);
    return FALSE;
  }

  gnutls_session_set_ptr (self->session, self);
  gnutls_session_set_verify_function (self->session, verify_cb);
  gnutls_transport_set_ptr (self->session, self);
  gnutls_transport_set_push_function (self->session, transport_push_cb);
  gnutls_transport_set_pull_function (self->session, transport_pull_cb);
  gnutls_transport_set_pull_timeout_function (self->session,
      transport_pull_timeout_cb);
  /* The socket timeout bounds each step; GnuTLS' own handshake clock only
   * applies when a timeout is set */
  gnutls_handshake_set_timeout (self->session, self->conn_timeout ?
      self->conn_timeout * 1000 : GNUTLS_INDEFINITE_TIMEOUT);
  return TRUE;
}

/* Returns the GnuTLS error to hand to the verifier when a handshake failed
 * because the server offers only insecure protocols, else 0. A server that
 * speaks only TLS 1.0/1.1 either answers with an old version
 * (GNUTLS_E_UNSUPPORTED_VERSION_PACKET) or with a protocol_version alert. */
static int
handshake_error_insecure (GstPgsmTlsSrc * self, int ret)
{
  switch (ret) {
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
    case GNUTLS_E_INSUFFICIENT_SECURITY:
    case GNUTLS_E_NO_CIPHER_SUITES:
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
    case GNUTLS_E_UNSUPPORTED_SIGNATURE_ALGORITHM:
      return ret;
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
      if (gnutls_alert_get (self->session) == GNUTLS_A_PROTOCOL_VERSION)
        return GNUTLS_E_UNSUPPORTED_VERSION_PACKET;
      return 0;
    default:
      return 0;
  }
}

static GstFlowReturn
handshake_failed (GstPgsmTlsSrc * self, int ret)
{
  /* The handshake stopped because we refused the certificate */
  if (self->verdict && !self->verdict_trusted)
    return refuse (self);

  if (io_cancelled (self)) {
    GST_DEBUG_OBJECT (self, "handshake cancelled");
    return GST_FLOW_FLUSHING;
  }

  if (ret == GNUTLS_E_TIMEDOUT || g_error_matches (self->io_error,
          G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        (_("Timed out waiting for the server to set up the secure "
                "connection.")),
        ("TLS handshake with %s:%u: no answer within %u s", self->conn_host,
            self->conn_port, self->conn_timeout));
  } else if (handshake_error_insecure (self, ret) != 0) {
    PgsmTlsVerdict *verdict =
        pgsm_tls_verdict_new_for_handshake_error (handshake_error_insecure
        (self, ret));

    GST_OBJECT_LOCK (self);
    self->verification_flags = verdict->flags;
    GST_OBJECT_UNLOCK (self);
    pgsm_tls_verdict_post_error (verdict, GST_ELEMENT (self),
        self->conn_host, self->conn_port);
    pgsm_tls_verdict_free (verdict);
  } else if (self->io_error) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        (_("The connection to the server was lost.")),
        ("TLS handshake with %s:%u: %s (%s)", self->conn_host,
            self->conn_port, self->io_error->message, gnutls_strerror (ret)));
  } else {
    const gchar *alert = NULL;

    if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
      alert = gnutls_alert_get_name (gnutls_alert_get (self->session));
    gst_element_message_full (GST_ELEMENT (self), GST_MESSAGE_ERROR,
        PGSM_TLS_ERROR, PGSM_TLS_ERROR_HANDSHAKE,
        g_strdup (_("Could not set up a secure connection with the server.")),
        g_strdup_printf ("TLS handshake with %s:%u failed: %s%s%s",
            self->conn_host, self->conn_port, gnutls_strerror (ret),
            alert ? ", alert: " : "", alert ? alert : ""), __FILE__,
        G_STRFUNC, __LINE__);
  }
  return GST_FLOW_ERROR;
}

static GstFlowReturn
do_handshake (GstPgsmTlsSrc * self)
{
  int ret;

  do {
    ret = gnutls_handshake (self->session);
    /* Warning alerts and EAGAIN are not fatal: go on */
  } while (ret < 0 && !gnutls_error_is_fatal (ret) && !io_cancelled (self));

  if (ret < 0)
    return handshake_failed (self, ret);
  return GST_FLOW_OK;
}

/* Records the negotiated version and suite for the properties. GnuTLS
 * names the suite only once the handshake is over. */
static void
record_session_info (GstPgsmTlsSrc * self)
{
  const gchar *version;
  const gchar *suite;

  version = gnutls_protocol_get_name (gnutls_protocol_get_version
      (self->session));
  suite = gnutls_ciphersuite_get (self->session);

  GST_OBJECT_LOCK (self);
  g_free (self->tls_version);
  self->tls_version = g_strdup (version);
  if (suite) {
    g_free (self->cipher_suite);
    self->cipher_suite = g_strdup (suite);
  }
  GST_OBJECT_UNLOCK (self);
}

/* Records what the properties show about the certificate, then returns
 * whether it is trusted (or accepted by the application). */
static gboolean
check_verdict (GstPgsmTlsSrc * self, PgsmTlsVerdict * verdict)
{
  gboolean accepted = FALSE;

  record_session_info (self);
  GST_OBJECT_LOCK (self);
  g_free (self->peer_pem);
  self->peer_pem = g_strdup (verdict->peer_pem);
  g_free (self->peer_sha256);
  self->peer_sha256 = g_strdup (verdict->peer_sha256);
  self->verification_flags = verdict->flags;
  GST_OBJECT_UNLOCK (self);

  if (verdict->flags == 0)
    return TRUE;

  /* The application may take the decision; with no handler the answer is
   * no. Emitted without any lock held. */
  g_signal_emit (self, gst_pgsm_tls_src_signals[SIGNAL_ACCEPT_CERTIFICATE], 0,
      verdict->peer_pem, verdict->flags, &accepted);
  if (accepted)
    GST_WARNING_OBJECT (self, "certificate of %s:%u accepted by the "
        "application despite: %s", self->conn_host, self->conn_port,
        GST_STR_NULL (verdict->reasons));
  return accepted;
}

/* Verifies the server's certificate and records the verdict. Returns
 * whether the connection may go on (trusted, or accepted by the
 * application). */
static gboolean
run_verification (GstPgsmTlsSrc * self)
{
  gint64 t0 = g_get_monotonic_time ();

  g_clear_pointer (&self->verdict, pgsm_tls_verdict_free);
  self->verdict = pgsm_tls_verify_session (self->session, self->credentials,
      &self->verify, self->conn_name);

  GST_OBJECT_LOCK (self);
  self->verify_time = (g_get_monotonic_time () - t0) * GST_USECOND;
  GST_OBJECT_UNLOCK (self);

  self->verdict_trusted = check_verdict (self, self->verdict);
  return self->verdict_trusted;
}

/* GnuTLS calls this as soon as the server's certificate has arrived, before
 * the client sends its own certificate or Finished: an untrusted server
 * never completes the handshake nor sees our certificate. Non-zero aborts
 * the handshake (GnuTLS returns GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR). */
static int
verify_cb (gnutls_session_t session)
{
  GstPgsmTlsSrc *self = gnutls_session_get_ptr (session);

  return run_verification (self) ? 0 : -1;
}

/* Posts the certificate ERROR for the refused verdict. */
static GstFlowReturn
refuse (GstPgsmTlsSrc * self)
{
  /* Tell the server why we leave; failures here do not matter */
  gnutls_alert_send (self->session, GNUTLS_AL_FATAL, GNUTLS_A_BAD_CERTIFICATE);
  pgsm_tls_verdict_post_error (self->verdict, GST_ELEMENT (self),
      self->conn_host, self->conn_port);
  return GST_FLOW_ERROR;
}

/* Connects, shakes hands and verifies. Runs in the streaming thread so that
 * unlock() can cancel every step. */
static GstFlowReturn
establish (GstPgsmTlsSrc * self)
{
  GstFlowReturn ret;
  gint64 t0, t1, t2;

  t0 = self->start_time = g_get_monotonic_time ();
  ret = connect_tcp (self);
  if (ret != GST_FLOW_OK)
    return ret;
  t1 = g_get_monotonic_time ();

  if (!session_new (self))
    return GST_FLOW_ERROR;

  ret = do_handshake (self);
  t2 = g_get_monotonic_time ();
  GST_OBJECT_LOCK (self);
  self->connect_time = (t1 - t0) * GST_USECOND;
  self->handshake_time = (t2 - t1) * GST_USECOND;
  GST_OBJECT_UNLOCK (self);
  if (ret != GST_FLOW_OK)
    return ret;

  /* Fail closed: a handshake that completed without the callback having
   * run is verified here */
  if (self->verdict == NULL && !run_verification (self))
    return refuse (self);

  record_session_info (self);
  GST_INFO_OBJECT (self, "connected to %s:%u (%s), certificate %s",
      self->conn_host, self->conn_port, self->conn_name,
      self->verdict->flags ? "accepted by the application" : "trusted");
  self->established = TRUE;
  return GST_FLOW_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */

static GstFlowReturn
read_failed (GstPgsmTlsSrc * self, gssize ret)
{
  if (io_cancelled (self)) {
    GST_DEBUG_OBJECT (self, "read cancelled");
    return GST_FLOW_FLUSHING;
  }

  if (ret == GNUTLS_E_PREMATURE_TERMINATION) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        (_("The server ended the connection without closing the secure "
                "session: the stream may be truncated.")),
        ("%s:%u closed TCP without close_notify after %" G_GUINT64_FORMAT
            " bytes", self->conn_host, self->conn_port, self->bytes_received));
  } else if (ret == GNUTLS_E_TIMEDOUT || g_error_matches (self->io_error,
          G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        (_("Timed out waiting for data from the server.")),
        ("no data from %s:%u within %u s", self->conn_host, self->conn_port,
            self->conn_timeout));
  } else {
    GST_ELEMENT_ERROR (self, RESOURCE, READ,
        (_("Could not read from the server.")),
        ("reading from %s:%u: %s%s%s", self->conn_host, self->conn_port,
            gnutls_strerror (ret), self->io_error ? ": " : "",
            self->io_error ? self->io_error->message : ""));
  }
  return GST_FLOW_ERROR;
}

static GstFlowReturn
read_record (GstPgsmTlsSrc * self, GstBuffer ** outbuf)
{
  GstBuffer *buf;
  GstMapInfo map;
  gssize ret;
  guint blocksize = gst_base_src_get_blocksize (GST_BASE_SRC (self));

  buf = gst_buffer_new_allocate (NULL, MAX (blocksize, 1), NULL);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  do {
    ret = gnutls_record_recv (self->session, map.data, map.size);
    if (ret == GNUTLS_E_REHANDSHAKE) {
      /* TLS 1.2 renegotiation: we never renegotiate */
      gnutls_alert_send (self->session, GNUTLS_AL_WARNING,
          GNUTLS_A_NO_RENEGOTIATION);
      ret = GNUTLS_E_AGAIN;
    }
  } while (ret < 0 && !gnutls_error_is_fatal (ret) && !io_cancelled (self));
  gst_buffer_unmap (buf, &map);

  if (ret > 0) {
    gst_buffer_resize (buf, 0, ret);
    GST_OBJECT_LOCK (self);
    if (self->bytes_received == 0)
      self->first_byte_time =
          (g_get_monotonic_time () - self->start_time) * GST_USECOND;
    self->bytes_received += ret;
    self->buffers++;
    GST_OBJECT_UNLOCK (self);
    GST_LOG_OBJECT (self, "read %" G_GSSIZE_FORMAT " bytes", ret);
    *outbuf = buf;
    return GST_FLOW_OK;
  }

  gst_buffer_unref (buf);
  if (ret == 0) {
    GST_DEBUG_OBJECT (self, "close_notify from the server: EOS");
    return GST_FLOW_EOS;
  }
  return read_failed (self, ret);
}

static GstFlowReturn
gst_pgsm_tls_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstPgsmTlsSrc *self = GST_PGSM_TLS_SRC (psrc);
  GstFlowReturn ret = GST_FLOW_OK;

  /* One cancellable per create() call: unlock() cancels this one and
   * unlock_stop() installs a fresh one for the next call */
  GST_OBJECT_LOCK (self);
  g_clear_object (&self->io_cancellable);
  self->io_cancellable = g_object_ref (self->cancellable);
  GST_OBJECT_UNLOCK (self);
  g_clear_error (&self->io_error);

  if (g_cancellable_is_cancelled (self->io_cancellable))
    return GST_FLOW_FLUSHING;

  if (!self->established) {
    ret = establish (self);
    /* Whatever failed, start again from nothing if asked again */
    if (ret != GST_FLOW_OK)
      close_connection (self);
  }
  if (ret == GST_FLOW_OK)
    ret = read_record (self, outbuf);

  return ret;
}

/* ------------------------------------------------------------------------ */

/* Builds the stats structure. Expects the object lock. */
static GstStructure *
stats_new_unlocked (GstPgsmTlsSrc * self)
{
  return gst_structure_new (STATS_NAME,
      "bytes-received", G_TYPE_UINT64, self->bytes_received,
      "buffers", G_TYPE_UINT64, self->buffers,
      "connect-time", G_TYPE_UINT64, (guint64) self->connect_time,
      "handshake-time", G_TYPE_UINT64, (guint64) self->handshake_time,
      "verify-time", G_TYPE_UINT64, (guint64) self->verify_time,
      "first-byte-time", G_TYPE_UINT64, (guint64) self->first_byte_time,
      "tls-version", G_TYPE_STRING, self->tls_version,
      "cipher-suite", G_TYPE_STRING, self->cipher_suite,
      "verification-flags", PGSM_TYPE_CERTIFICATE_FLAGS,
      self->verification_flags, NULL);
}
