/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:pgsmsuite
 * @title: SRTP suites
 * @short_description: the table of SDES crypto suites
 *
 * One row per suite: its RFC 4568 name, cipher, authentication, and key,
 * salt and tag sizes. The SRTP elements, the crypto-attribute parser and the
 * SIP bin all read sizes from here.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "pgsmsuite.h"

/* SRTCP keeps HMAC-SHA1-80 for the _32 suites (RFC 4568 section 6.2.2);
 * AEAD suites authenticate with the 16-byte GCM tag (RFC 7714). */
#define SUITE(s, alias, c, ra, ca, kl, sl, rt, ct) \
  { PGSM_SRTP_SUITE_ ## s, #s, alias, PGSM_SRTP_CIPHER_ ## c, \
    PGSM_SRTP_AUTH_ ## ra, PGSM_SRTP_AUTH_ ## ca, kl, sl, rt, ct }

/* suite, alias, cipher, SRTP auth, SRTCP auth, key, salt, SRTP tag,
 * SRTCP tag */
static const PgsmSrtpSuiteInfo suites[] = {
  SUITE (AES_CM_128_HMAC_SHA1_80, NULL, AES_128_ICM, HMAC_SHA1_80, HMAC_SHA1_80,
      16, 14, 10, 10),
  SUITE (AES_CM_128_HMAC_SHA1_32, NULL, AES_128_ICM, HMAC_SHA1_32, HMAC_SHA1_80,
      16, 14, 4, 10),
  SUITE (AES_256_CM_HMAC_SHA1_80, "AES_CM_256_HMAC_SHA1_80", AES_256_ICM,
      HMAC_SHA1_80, HMAC_SHA1_80, 32, 14, 10, 10),
  SUITE (AES_256_CM_HMAC_SHA1_32, "AES_CM_256_HMAC_SHA1_32", AES_256_ICM,
      HMAC_SHA1_32, HMAC_SHA1_80, 32, 14, 4, 10),
  SUITE (AEAD_AES_128_GCM, NULL, AES_128_GCM, NULL, NULL, 16, 12, 16, 16),
  SUITE (AEAD_AES_256_GCM, NULL, AES_256_GCM, NULL, NULL, 32, 12, 16, 16),
};

#undef SUITE

/**
 * pgsm_srtp_suite_get_info:
 * @suite: a suite
 *
 * Returns: (transfer none) (nullable): the table row of @suite, or %NULL for
 * %PGSM_SRTP_SUITE_NONE and unknown values
 *
 * Since: 0.1
 */
const PgsmSrtpSuiteInfo *
pgsm_srtp_suite_get_info (PgsmSrtpSuite suite)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].suite == suite)
      return &suites[i];
  return NULL;
}

/**
 * pgsm_srtp_suite_lookup:
 * @name: a suite name as written in `a=crypto` (case-sensitive, as RFC 4568
 *   registers them)
 *
 * Returns: (transfer none) (nullable): the table row named @name (or whose
 * alias is @name), or %NULL
 *
 * Since: 0.1
 */
const PgsmSrtpSuiteInfo *
pgsm_srtp_suite_lookup (const gchar * name)
{
  guint i;

  if (name == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (suites); i++)
    if (strcmp (suites[i].name, name) == 0 ||
        (suites[i].alias && strcmp (suites[i].alias, name) == 0))
      return &suites[i];
  return NULL;
}

/**
 * pgsm_srtp_suite_find:
 * @cipher: a cipher
 * @rtp_auth: the SRTP authentication
 *
 * Returns: (transfer none) (nullable): the suite using @cipher and
 * @rtp_auth, or %NULL when no SDES suite matches (null cipher, say)
 *
 * Since: 0.1
 */
const PgsmSrtpSuiteInfo *
pgsm_srtp_suite_find (PgsmSrtpCipher cipher, PgsmSrtpAuth rtp_auth)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (suites); i++)
    if (suites[i].cipher == cipher && suites[i].rtp_auth == rtp_auth)
      return &suites[i];
  return NULL;
}

/**
 * pgsm_srtp_cipher_key_length:
 * @cipher: a cipher
 *
 * Returns: the master key length of @cipher in bytes (0 for null)
 *
 * Since: 0.1
 */
guint
pgsm_srtp_cipher_key_length (PgsmSrtpCipher cipher)
{
  switch (cipher) {
    case PGSM_SRTP_CIPHER_AES_128_ICM:
    case PGSM_SRTP_CIPHER_AES_128_GCM:
      return 16;
    case PGSM_SRTP_CIPHER_AES_256_ICM:
    case PGSM_SRTP_CIPHER_AES_256_GCM:
      return 32;
    case PGSM_SRTP_CIPHER_NULL:
    default:
      return 0;
  }
}

/**
 * pgsm_srtp_cipher_salt_length:
 * @cipher: a cipher
 *
 * Returns: the master salt length of @cipher in bytes: 14 for counter mode,
 * 12 for GCM (RFC 7714), 0 for null
 *
 * Since: 0.1
 */
guint
pgsm_srtp_cipher_salt_length (PgsmSrtpCipher cipher)
{
  switch (cipher) {
    case PGSM_SRTP_CIPHER_AES_128_ICM:
    case PGSM_SRTP_CIPHER_AES_256_ICM:
      return 14;
    case PGSM_SRTP_CIPHER_AES_128_GCM:
    case PGSM_SRTP_CIPHER_AES_256_GCM:
      return 12;
    case PGSM_SRTP_CIPHER_NULL:
    default:
      return 0;
  }
}
