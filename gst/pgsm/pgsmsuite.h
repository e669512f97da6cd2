/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __PGSM_SUITE_H__
#define __PGSM_SUITE_H__

#include <glib-object.h>
#include <gst/pgsm/pgsmprelude.h>

G_BEGIN_DECLS

/**
 * PgsmSrtpCipher:
 * @PGSM_SRTP_CIPHER_NULL: no encryption (only when set explicitly)
 * @PGSM_SRTP_CIPHER_AES_128_ICM: AES-128 counter mode (RFC 3711)
 * @PGSM_SRTP_CIPHER_AES_256_ICM: AES-256 counter mode (RFC 6188)
 * @PGSM_SRTP_CIPHER_AES_128_GCM: AES-128 GCM (RFC 7714)
 * @PGSM_SRTP_CIPHER_AES_256_GCM: AES-256 GCM (RFC 7714)
 *
 * SRTP ciphers. Values and nicks are those of srtpenc's `GstSrtpCipherType`,
 * so pipelines written for srtpenc keep working.
 *
 * Since: 0.1
 */
typedef enum
{
  PGSM_SRTP_CIPHER_NULL = 0,           /*< nick=null >*/
  PGSM_SRTP_CIPHER_AES_128_ICM = 1,    /*< nick=aes-128-icm >*/
  PGSM_SRTP_CIPHER_AES_256_ICM = 2,    /*< nick=aes-256-icm >*/
  PGSM_SRTP_CIPHER_AES_128_GCM = 3,    /*< nick=aes-128-gcm >*/
  PGSM_SRTP_CIPHER_AES_256_GCM = 4,    /*< nick=aes-256-gcm >*/
} PgsmSrtpCipher;

/**
 * PgsmSrtpAuth:
 * @PGSM_SRTP_AUTH_NULL: no authentication (AEAD ciphers, or set explicitly)
 * @PGSM_SRTP_AUTH_HMAC_SHA1_32: HMAC-SHA1 with a 32-bit tag
 * @PGSM_SRTP_AUTH_HMAC_SHA1_80: HMAC-SHA1 with an 80-bit tag
 *
 * SRTP message authentication. Values and nicks are those of srtpenc's
 * `GstSrtpAuthType`.
 *
 * Since: 0.1
 */
typedef enum
{
  PGSM_SRTP_AUTH_NULL = 0,             /*< nick=null >*/
  PGSM_SRTP_AUTH_HMAC_SHA1_32 = 1,     /*< nick=hmac-sha1-32 >*/
  PGSM_SRTP_AUTH_HMAC_SHA1_80 = 2,     /*< nick=hmac-sha1-80 >*/
} PgsmSrtpAuth;

/**
 * PgsmSrtpSuite:
 * @PGSM_SRTP_SUITE_NONE: no suite (not a valid SDES suite)
 * @PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80: RFC 4568
 * @PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32: RFC 4568 (SRTCP keeps an 80-bit tag)
 * @PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80: RFC 6188 (`AES_CM_256_HMAC_SHA1_80`
 *   is accepted as an alias)
 * @PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32: RFC 6188
 * @PGSM_SRTP_SUITE_AEAD_AES_128_GCM: RFC 7714
 * @PGSM_SRTP_SUITE_AEAD_AES_256_GCM: RFC 7714
 *
 * The SDES crypto suites gst-pgsm understands.
 *
 * Since: 0.1
 */
typedef enum
{
  PGSM_SRTP_SUITE_NONE = 0,
  PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_80,
  PGSM_SRTP_SUITE_AES_CM_128_HMAC_SHA1_32,
  PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_80,
  PGSM_SRTP_SUITE_AES_256_CM_HMAC_SHA1_32,
  PGSM_SRTP_SUITE_AEAD_AES_128_GCM,
  PGSM_SRTP_SUITE_AEAD_AES_256_GCM,
} PgsmSrtpSuite;

/**
 * PgsmSrtpSuiteInfo:
 * @suite: the suite
 * @name: its RFC 4568 name, as written in `a=crypto`
 * @alias: another accepted spelling, or %NULL
 * @cipher: cipher for SRTP and SRTCP
 * @rtp_auth: authentication of SRTP
 * @rtcp_auth: authentication of SRTCP (never null for a non-AEAD suite)
 * @key_length: master key length in bytes
 * @salt_length: master salt length in bytes
 * @rtp_tag_length: bytes an SRTP packet grows by (auth tag or AEAD tag)
 * @rtcp_tag_length: bytes an SRTCP packet grows by, index word excluded
 *
 * One row of the suite table.
 *
 * Since: 0.1
 */
typedef struct
{
  PgsmSrtpSuite suite;
  const gchar *name;
  const gchar *alias;
  PgsmSrtpCipher cipher;
  PgsmSrtpAuth rtp_auth;
  PgsmSrtpAuth rtcp_auth;
  guint key_length;
  guint salt_length;
  guint rtp_tag_length;
  guint rtcp_tag_length;
} PgsmSrtpSuiteInfo;

PGSM_API
const PgsmSrtpSuiteInfo *pgsm_srtp_suite_get_info (PgsmSrtpSuite suite);

PGSM_API
const PgsmSrtpSuiteInfo *pgsm_srtp_suite_lookup (const gchar * name);

PGSM_API
const PgsmSrtpSuiteInfo *pgsm_srtp_suite_find (PgsmSrtpCipher cipher,
    PgsmSrtpAuth rtp_auth);

PGSM_API
guint pgsm_srtp_cipher_key_length (PgsmSrtpCipher cipher);

PGSM_API
guint pgsm_srtp_cipher_salt_length (PgsmSrtpCipher cipher);

G_END_DECLS

#endif /* __PGSM_SUITE_H__ */
