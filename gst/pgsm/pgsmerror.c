/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/**
 * SECTION:pgsmerror
 * @title: Certificate errors
 * @short_description: the error domain, the warning text and the verdict
 *
 * Every gst-pgsm element reports a server certificate it cannot trust the
 * same way: a GST_MESSAGE_ERROR whose GError is
 * %PGSM_TLS_ERROR / %PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED, whose message is
 * %PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE (translated into the language of the
 * process's LC_MESSAGES locale when a translation is installed; byte for byte
 * that text in the C locale), whose debug string gives the precise
 * reasons (always in English) and whose details structure
 * (%PGSM_CERTIFICATE_DETAILS_NAME) carries the verdict.
 * pgsm_element_post_certificate_error() is the one place that builds that
 * message.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "pgsmerror.h"
#include "pgsm-enumtypes.h"
#include "pgsmi18n.h"

/* The warning is translated at run time from the public macro itself, so
 * that in the C locale, where gettext returns its argument, it is the macro
 * byte for byte.
 * xgettext does not expand macros: this copy, never compiled, is what puts
 * the sentence into po/gst-pgsm-1.0.pot. It must stay equal to
 * PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE, or the translations stop matching
 * (tests/check/libs/pgsmi18n.c fails then). */
#if 0
static const gchar *certificate_not_trusted_msgid =
    /* TRANSLATORS: the one warning shown when the server's certificate
       fails verification and the secure connection or call is refused.
       It has no final full stop in English. */
    N_("You are attempting to open a secure connection, but the server's "
    "certificate is not trusted. Please contact your system administrator");
#endif

/**
 * pgsm_tls_error_quark:
 *
 * Returns: the #GQuark of the %PGSM_TLS_ERROR domain, `pgsm-tls-error-quark`
 *
 * Since: 0.1
 */
GQuark
pgsm_tls_error_quark (void)
{
  return g_quark_from_static_string ("pgsm-tls-error-quark");
}

/**
 * pgsm_certificate_flags_to_string:
 * @flags: a verdict
 *
 * Returns: (transfer full): the nicks of the flags set in @flags, comma
 * separated (`expired,unknown-ca`), or `trusted` when @flags is 0.
 *
 * Since: 0.1
 */
gchar *
pgsm_certificate_flags_to_string (PgsmCertificateFlags flags)
{
  GFlagsClass *klass;
  GString *s;
  guint i;

  if (flags == 0)
    return g_strdup ("trusted");

  klass = g_type_class_ref (PGSM_TYPE_CERTIFICATE_FLAGS);
  s = g_string_new (NULL);
  for (i = 0; i < klass->n_values; i++) {
    const GFlagsValue *v = &klass->values[i];

    if ((flags & v->value) == v->value && v->value != 0) {
      if (s->len > 0)
        g_string_append_c (s, ',');
      g_string_append (s, v->value_nick);
      flags &= ~v->value;
    }
  }
  /* Bits we have no name for still make the verdict a refusal */
  if (flags != 0)
    g_string_append_printf (s, "%sunknown-0x%x", s->len ? "," : "", flags);
  g_type_class_unref (klass);

  return g_string_free (s, FALSE);
}

/**
 * pgsm_certificate_flags_to_tls_flags:
 * @flags: a verdict
 *
 * Translates a verdict into GIO's vocabulary, for applications that
 * already handle #GTlsCertificateFlags. Reasons GIO has no flag for become
 * %G_TLS_CERTIFICATE_GENERIC_ERROR, except a self-signed certificate, which
 * GIO reports as %G_TLS_CERTIFICATE_UNKNOWN_CA, and weak keys and
 * algorithms, which it reports as %G_TLS_CERTIFICATE_INSECURE.
 *
 * Returns: the #GTlsCertificateFlags for @flags
 *
 * Since: 0.1
 */
GTlsCertificateFlags
pgsm_certificate_flags_to_tls_flags (PgsmCertificateFlags flags)
{
  /* The first seven bits are equal by construction */
  GTlsCertificateFlags tls = flags & 0x7f;

  if (flags & PGSM_CERTIFICATE_SELF_SIGNED)
    tls |= G_TLS_CERTIFICATE_UNKNOWN_CA;
  if (flags & PGSM_CERTIFICATE_WEAK_KEY)
    tls |= G_TLS_CERTIFICATE_INSECURE;
  if (flags & (PGSM_CERTIFICATE_NOT_A_CA | PGSM_CERTIFICATE_BAD_PURPOSE |
          PGSM_CERTIFICATE_PIN_MISMATCH | PGSM_CERTIFICATE_INSECURE_PROTOCOL))
    tls |= G_TLS_CERTIFICATE_GENERIC_ERROR;

  return tls;
}

/**
 * pgsm_certificate_details_new:
 * @flags: the verdict, not 0
 * @host: the host name or address that was dialled
 * @port: the port that was dialled
 * @certificate_pem: (nullable): the peer certificate in PEM
 * @certificate_sha256: (nullable): lower-case hex SHA-256 of its DER
 *
 * Builds the details structure described at
 * %PGSM_CERTIFICATE_DETAILS_NAME.
 *
 * Returns: (transfer full): a new #GstStructure
 *
 * Since: 0.1
 */
GstStructure *
pgsm_certificate_details_new (PgsmCertificateFlags flags, const gchar * host,
    guint port, const gchar * certificate_pem, const gchar * certificate_sha256)
{
  GstStructure *s;
  gchar *reasons = pgsm_certificate_flags_to_string (flags);

  s = gst_structure_new (PGSM_CERTIFICATE_DETAILS_NAME,
      "flags", PGSM_TYPE_CERTIFICATE_FLAGS, flags,
      "tls-flags", G_TYPE_TLS_CERTIFICATE_FLAGS,
      pgsm_certificate_flags_to_tls_flags (flags),
      "reasons", G_TYPE_STRING, reasons,
      "host", G_TYPE_STRING, host ? host : "", "port", G_TYPE_UINT, port, NULL);
  if (certificate_pem)
    gst_structure_set (s, "certificate-pem", G_TYPE_STRING, certificate_pem,
        NULL);
  if (certificate_sha256)
    gst_structure_set (s, "certificate-sha256", G_TYPE_STRING,
        certificate_sha256, NULL);
  g_free (reasons);

  return s;
}

/**
 * pgsm_element_post_certificate_error:
 * @element: the element that refuses the certificate
 * @flags: the verdict, not 0
 * @host: the host name or address that was dialled
 * @port: the port that was dialled
 * @certificate_pem: (nullable): the peer certificate in PEM
 * @certificate_sha256: (nullable): lower-case hex SHA-256 of its DER
 * @debug: (nullable): the precise reasons, for the debug string
 *
 * Posts the certificate ERROR on @element's bus: the one warning text
 * (%PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE, translated through the
 * `gst-pgsm-1.0` gettext domain into the language of the LC_MESSAGES
 * locale), the #PGSM_TLS_ERROR domain, @debug as debug string (not
 * translated) and the verdict as details.
 * Must not be called with @element's object lock held.
 *
 * Since: 0.1
 */
void
pgsm_element_post_certificate_error (GstElement * element,
    PgsmCertificateFlags flags, const gchar * host, guint port,
    const gchar * certificate_pem, const gchar * certificate_sha256,
    const gchar * debug)
{
  GstStructure *details;
  gchar *reasons, *full_debug;

  g_return_if_fail (GST_IS_ELEMENT (element));
  g_return_if_fail (flags != 0);

  reasons = pgsm_certificate_flags_to_string (flags);
  full_debug = g_strdup_printf ("certificate of %s:%u refused (%s)%s%s",
      host ? host : "(null)", port, reasons, debug ? ": " : "",
      debug ? debug : "");
  details = pgsm_certificate_details_new (flags, host, port, certificate_pem,
      certificate_sha256);

  pgsm_i18n_init ();

  /* gst_element_message_full_with_details takes both strings */
  gst_element_message_full_with_details (element, GST_MESSAGE_ERROR,
      PGSM_TLS_ERROR, PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED,
      g_strdup (_(PGSM_CERTIFICATE_NOT_TRUSTED_MESSAGE)), full_debug,
      __FILE__, G_STRFUNC, __LINE__, details);
  g_free (reasons);
}
