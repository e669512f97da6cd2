/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The one certificate verification policy of gst-pgsm. Built as the internal
 * static library pgsmtlsverify, linked by the pgsmtls plugin (pgsmtlssrc)
 * and by the pgsmsip plugin (pgsmsipbin). Not installed. */

#ifndef __PGSM_TLS_VERIFY_H__
#define __PGSM_TLS_VERIFY_H__

#include <gst/gst.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <gst/pgsm/pgsm.h>

G_BEGIN_DECLS
/**
 * PgsmTlsIdentityRules:
 * @PGSM_TLS_IDENTITY_HOST: RFC 6125 as browsers apply it: DNS SANs (one
 *   left-most wildcard label allowed), IP SANs for addresses, CN only when the
 *   certificate has no DNS SAN
 * @PGSM_TLS_IDENTITY_SIP: RFC 5922: SAN URI `sip:domain` or DNS SAN equal to
 *   the SIP domain, no wildcards, CN only when neither exists
 */
    typedef enum
{
  PGSM_TLS_IDENTITY_HOST,
  PGSM_TLS_IDENTITY_SIP,
} PgsmTlsIdentityRules;

/* What a user configures: the trust anchors and the pins. Plain data, owned
 * by the element and read under its lock before a connection starts. */
typedef struct
{
  gchar *ca_file;               /* PEM, one or more CA certificates, or NULL */
  gboolean use_system_ca;       /* add the system trust store */
  gchar *crl_file;              /* PEM or DER CRL, or NULL */
  gchar **pinned_sha256;        /* hex SHA-256 of certificate DER or of SPKI
                                 * DER (':' and case ignored), or NULL */
  PgsmTlsIdentityRules identity;
} PgsmTlsVerifySettings;

/* The outcome for one peer: flags (0 = trusted) and everything the error
 * message and the elements' read-only properties show. */
typedef struct
{
  PgsmCertificateFlags flags;
  gchar *reasons;               /* human sentences, one per reason, with the
                                 * dates, names and the local time */
  gchar *peer_pem;              /* leaf certificate, PEM, or NULL */
  gchar *peer_sha256;           /* lower-case hex SHA-256 of leaf DER, or NULL */
  gchar *subject;               /* leaf subject DN when refused, else NULL */
  gchar *issuer;                /* leaf issuer DN when refused, else NULL */
  gint64 not_before;            /* leaf validity, seconds since the epoch */
  gint64 not_after;             /* (0 when there is no leaf) */
} PgsmTlsVerdict;

/* Credentials holding the trust anchors and CRL of @settings. Fails with
 * PGSM_TLS_ERROR_TRUST_STORE when no anchor could be loaded: an empty trust
 * store is an error, never a pass. */
gnutls_certificate_credentials_t
pgsm_tls_credentials_new (const PgsmTlsVerifySettings * settings,
    GError ** error);

/* Sets the priorities of the project on a client session: TLS 1.2 minimum,
 * no SHA-1/MD5 signatures, %PROFILE_MEDIUM or stricter; sends SNI for
 * @server_name when it is a DNS name (never for an IP address). */
gboolean pgsm_tls_session_setup_client (gnutls_session_t session,
    gnutls_certificate_credentials_t credentials, const gchar * server_name,
    GError ** error);

/* Verifies the peer of a session whose handshake completed. @server_name is
 * the identity to match (a missing name is GENERIC_ERROR, never a pass). */
PgsmTlsVerdict *pgsm_tls_verify_session (gnutls_session_t session,
    gnutls_certificate_credentials_t credentials,
    const PgsmTlsVerifySettings * settings, const gchar * server_name);

/* Verifies a DER chain (leaf first) as a server presented it, without a
 * session: used by the SIP bin's pre-check and by the fuzz target.
 * @now is the time to check against (0 = the local clock). */
PgsmTlsVerdict *pgsm_tls_verify_chain (const gnutls_datum_t * chain,
    guint chain_length, gnutls_certificate_credentials_t credentials,
    const PgsmTlsVerifySettings * settings, const gchar * server_name,
    time_t now);

/* The verdict for a handshake that failed because the server offered only
 * protocol versions older than TLS 1.2 (flags INSECURE_PROTOCOL). */
PgsmTlsVerdict *pgsm_tls_verdict_new_for_handshake_error (int gnutls_error);

/* The same, reading the alert the server sent on @session: a server that
 * supports only TLS 1.0/1.1 often answers our hello with a protocol_version
 * alert (GNUTLS_E_FATAL_ALERT_RECEIVED), which this also maps to
 * INSECURE_PROTOCOL. Prefer it when the session is at hand. */
PgsmTlsVerdict *pgsm_tls_verdict_new_for_session_error (gnutls_session_t
    session, int gnutls_error);

/* Posts the certificate ERROR for @verdict through
 * pgsm_element_post_certificate_error(). Not with the object lock held. */
void pgsm_tls_verdict_post_error (const PgsmTlsVerdict * verdict,
    GstElement * element, const gchar * host, guint port);

void pgsm_tls_verdict_free (PgsmTlsVerdict * verdict);

void pgsm_tls_verify_settings_clear (PgsmTlsVerifySettings * settings);

void pgsm_tls_verify_settings_copy (PgsmTlsVerifySettings * dest,
    const PgsmTlsVerifySettings * src);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmTlsVerdict, pgsm_tls_verdict_free)
    G_END_DECLS
#endif /* __PGSM_TLS_VERIFY_H__ */
