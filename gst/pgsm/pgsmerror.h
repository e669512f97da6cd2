/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __PGSM_ERROR_H__
#define __PGSM_ERROR_H__

#include <gst/gst.h>
#include <gio/gio.h>
#include <gst/pgsm/pgsmprelude.h>

G_BEGIN_DECLS

/**
 * PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE:
 *
 * The one sentence every gst-pgsm element shows the user when a server
 * certificate fails verification. It is the `message` of the GError carried
 * by the bus ERROR, byte for byte, in the C locale.
 *
 * Since: 0.1
 */
#define PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE \
  "You are attempting to open a secure connection, but the server's " \
  "certificate is not trusted. Please contact your system administrator"

/**
 * PGSM_TLS_ERROR:
 *
 * Error domain of certificate and TLS failures (`pgsm-tls-error-quark`).
 * Errors in this domain use values from #PgsmTlsError.
 *
 * Since: 0.1
 */
#define PGSM_TLS_ERROR (pgsm_tls_error_quark ())

/**
 * PgsmTlsError:
 * @PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED: the server certificate failed
 *   verification (the details name the reasons)
 * @PGSM_TLS_ERROR_HANDSHAKE: the TLS handshake failed for a reason other
 *   than the certificate
 * @PGSM_TLS_ERROR_TRUST_STORE: no trust anchors could be loaded (an empty
 *   or unreadable CA file, no system store)
 *
 * Error codes of the #PGSM_TLS_ERROR domain.
 *
 * Since: 0.1
 */
typedef enum
{
  PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED = 1,
  PGSM_TLS_ERROR_HANDSHAKE,
  PGSM_TLS_ERROR_TRUST_STORE,
} PgsmTlsError;

/**
 * PgsmCertificateFlags:
 * @PGSM_CERTIFICATE_UNKNOWN_CA: the chain does not lead to a trusted CA
 *   (unknown issuer, or an intermediate is missing)
 * @PGSM_CERTIFICATE_BAD_IDENTITY: the certificate is not for the name or
 *   address that was dialled
 * @PGSM_CERTIFICATE_NOT_ACTIVATED: a certificate of the chain is not valid
 *   yet (check the device clock)
 * @PGSM_CERTIFICATE_EXPIRED: a certificate of the chain has expired (check
 *   the device clock, then the certificate dates)
 * @PGSM_CERTIFICATE_REVOKED: a certificate of the chain is listed in the CRL
 * @PGSM_CERTIFICATE_INSECURE_ALGORITHM: a signature uses MD5 or SHA-1
 * @PGSM_CERTIFICATE_GENERIC_ERROR: any other failure
 * @PGSM_CERTIFICATE_SELF_SIGNED: the server presented a self-signed
 *   certificate that is not a trust anchor
 * @PGSM_CERTIFICATE_NOT_A_CA: an issuer of the chain is not a CA
 *   (basicConstraints)
 * @PGSM_CERTIFICATE_BAD_PURPOSE: keyUsage or extendedKeyUsage do not allow
 *   TLS server authentication
 * @PGSM_CERTIFICATE_PIN_MISMATCH: the certificate matches none of the
 *   pinned SHA-256 fingerprints
 * @PGSM_CERTIFICATE_WEAK_KEY: a key of the chain is too short (RSA or DSA
 *   under 2048 bits, elliptic curves under 256 bits)
 * @PGSM_CERTIFICATE_INSECURE_PROTOCOL: the server offered only TLS versions
 *   older than 1.2
 *
 * The verdict on a server certificate: one flag per reason it is refused,
 * 0 when it is trusted. The first seven values equal those of
 * #GTlsCertificateFlags.
 *
 * Since: 0.1
 */
typedef enum /*< flags >*/
{
  PGSM_CERTIFICATE_UNKNOWN_CA = (1 << 0),
  PGSM_CERTIFICATE_BAD_IDENTITY = (1 << 1),
  PGSM_CERTIFICATE_NOT_ACTIVATED = (1 << 2),
  PGSM_CERTIFICATE_EXPIRED = (1 << 3),
  PGSM_CERTIFICATE_REVOKED = (1 << 4),
  PGSM_CERTIFICATE_INSECURE_ALGORITHM = (1 << 5),
  PGSM_CERTIFICATE_GENERIC_ERROR = (1 << 6),
  PGSM_CERTIFICATE_SELF_SIGNED = (1 << 7),
  PGSM_CERTIFICATE_NOT_A_CA = (1 << 8),
  PGSM_CERTIFICATE_BAD_PURPOSE = (1 << 9),
  PGSM_CERTIFICATE_PIN_MISMATCH = (1 << 10),
  PGSM_CERTIFICATE_WEAK_KEY = (1 << 11),
  PGSM_CERTIFICATE_INSECURE_PROTOCOL = (1 << 12),
} PgsmCertificateFlags;

/**
 * PGSM_CERTIFICATE_DETAILS_NAME:
 *
 * Name of the details structure of a certificate ERROR. Its fields:
 *
 * * `flags`: #PgsmCertificateFlags, the verdict
 * * `tls-flags`: #GTlsCertificateFlags, the verdict in GIO's terms
 * * `reasons`: string, comma separated flag nicks (`expired,unknown-ca`)
 * * `host`: string, the name or address that was dialled
 * * `port`: uint
 * * `certificate-pem`: string, the peer certificate (may be absent when the
 *   server sent none)
 * * `certificate-sha256`: string, lower-case hex SHA-256 of its DER
 *
 * Since: 0.1
 */
#define PGSM_CERTIFICATE_DETAILS_NAME "pgsm-certificate-verdict"

PGSM_API
GQuark pgsm_tls_error_quark (void);

PGSM_API
gchar *pgsm_certificate_flags_to_string (PgsmCertificateFlags flags);

PGSM_API
GTlsCertificateFlags pgsm_certificate_flags_to_tls_flags (PgsmCertificateFlags flags);

PGSM_API
GstStructure *pgsm_certificate_details_new (PgsmCertificateFlags flags,
    const gchar * host, guint port, const gchar * certificate_pem,
    const gchar * certificate_sha256);

PGSM_API
void pgsm_element_post_certificate_error (GstElement * element,
    PgsmCertificateFlags flags, const gchar * host, guint port,
    const gchar * certificate_pem, const gchar * certificate_sha256,
    const gchar * debug);

G_END_DECLS

#endif /* __PGSM_ERROR_H__ */
