/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __PGSM_CRYPTO_H__
#define __PGSM_CRYPTO_H__

#include <glib-object.h>
#include <gst/pgsm/pgsmprelude.h>
#include <gst/pgsm/pgsmsuite.h>

G_BEGIN_DECLS

/**
 * PGSM_CRYPTO_ERROR:
 *
 * Error domain of the RFC 4568 crypto-attribute parser
 * (`pgsm-crypto-error-quark`), codes from #PgsmCryptoError.
 *
 * Since: 0.1
 */
#define PGSM_CRYPTO_ERROR (pgsm_crypto_error_quark ())

/**
 * PgsmCryptoError:
 * @PGSM_CRYPTO_ERROR_SYNTAX: the value is not `tag suite key-params [session-params]`
 * @PGSM_CRYPTO_ERROR_BAD_TAG: the tag is not 1 to 9 decimal digits
 * @PGSM_CRYPTO_ERROR_UNKNOWN_SUITE: the crypto suite is not one we support
 * @PGSM_CRYPTO_ERROR_MISSING_INLINE: a key parameter lacks the `inline:` method
 * @PGSM_CRYPTO_ERROR_BAD_BASE64: the key is not valid base64
 * @PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH: the key||salt length does not match the suite
 * @PGSM_CRYPTO_ERROR_BAD_LIFETIME: the lifetime is malformed or out of range
 * @PGSM_CRYPTO_ERROR_BAD_MKI: the MKI is malformed, its length is 0 or over
 *   128, its value does not fit its length, or keys disagree on it
 * @PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM: a session parameter is malformed
 *
 * Error codes of #PGSM_CRYPTO_ERROR.
 *
 * Since: 0.1
 */
typedef enum
{
  PGSM_CRYPTO_ERROR_SYNTAX = 1,
  PGSM_CRYPTO_ERROR_BAD_TAG,
  PGSM_CRYPTO_ERROR_UNKNOWN_SUITE,
  PGSM_CRYPTO_ERROR_MISSING_INLINE,
  PGSM_CRYPTO_ERROR_BAD_BASE64,
  PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH,
  PGSM_CRYPTO_ERROR_BAD_LIFETIME,
  PGSM_CRYPTO_ERROR_BAD_MKI,
  PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM,
} PgsmCryptoError;

/**
 * PgsmCryptoAttribute:
 *
 * An RFC 4568 `a=crypto` attribute value: tag, suite, one or more inline
 * keys (each with an optional lifetime and MKI) and session parameters.
 * Opaque; a boxed type.
 *
 * Since: 0.1
 */
typedef struct _PgsmCryptoAttribute PgsmCryptoAttribute;

#define PGSM_TYPE_CRYPTO_ATTRIBUTE (pgsm_crypto_attribute_get_type ())

PGSM_API
GType pgsm_crypto_attribute_get_type (void);

PGSM_API
GQuark pgsm_crypto_error_quark (void);

/* Parsing and formatting */
PGSM_API
PgsmCryptoAttribute *pgsm_crypto_attribute_parse (const gchar * value,
    GError ** error);

PGSM_API
gchar *pgsm_crypto_attribute_to_string (const PgsmCryptoAttribute * attr);

/* Building */
PGSM_API
PgsmCryptoAttribute *pgsm_crypto_attribute_new (guint tag,
    PgsmSrtpSuite suite);

PGSM_API
gboolean pgsm_crypto_attribute_add_key (PgsmCryptoAttribute * attr,
    GBytes * key_salt, guint64 lifetime, guint32 mki, guint mki_length,
    GError ** error);

PGSM_API
PgsmCryptoAttribute *pgsm_crypto_attribute_copy (const PgsmCryptoAttribute * attr);

PGSM_API
void pgsm_crypto_attribute_free (PgsmCryptoAttribute * attr);

/* Accessors */
PGSM_API
guint pgsm_crypto_attribute_get_tag (const PgsmCryptoAttribute * attr);

PGSM_API
void pgsm_crypto_attribute_set_tag (PgsmCryptoAttribute * attr, guint tag);

PGSM_API
PgsmSrtpSuite pgsm_crypto_attribute_get_suite (const PgsmCryptoAttribute * attr);

PGSM_API
guint pgsm_crypto_attribute_get_n_keys (const PgsmCryptoAttribute * attr);

PGSM_API
GBytes *pgsm_crypto_attribute_get_key (const PgsmCryptoAttribute * attr,
    guint index);

PGSM_API
guint64 pgsm_crypto_attribute_get_lifetime (const PgsmCryptoAttribute * attr,
    guint index);

PGSM_API
gboolean pgsm_crypto_attribute_get_mki (const PgsmCryptoAttribute * attr,
    guint index, guint32 * mki, guint * mki_length);

PGSM_API
gint pgsm_crypto_attribute_get_kdr (const PgsmCryptoAttribute * attr);

PGSM_API
gboolean pgsm_crypto_attribute_get_unencrypted_srtp (const PgsmCryptoAttribute * attr);

PGSM_API
gboolean pgsm_crypto_attribute_get_unencrypted_srtcp (const PgsmCryptoAttribute * attr);

PGSM_API
gboolean pgsm_crypto_attribute_get_unauthenticated_srtp (const PgsmCryptoAttribute * attr);

PGSM_API
guint pgsm_crypto_attribute_get_wsh (const PgsmCryptoAttribute * attr);

PGSM_API
gboolean pgsm_crypto_attribute_has_session_params (const PgsmCryptoAttribute * attr);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PgsmCryptoAttribute, pgsm_crypto_attribute_free)

G_END_DECLS

#endif /* __PGSM_CRYPTO_H__ */
