/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* SDP offer/answer policy for SDES-SRTP (RFC 4568, RFC 3264).
 *
 * Offers: one audio stream, RTP/SAVP, one a=crypto per configured suite,
 * each with a fresh key from GnuTLS's CSPRNG, no MKI, no lifetime and no
 * session parameters (Asterisk and others reject or mishandle them).
 *
 * Offers from peers: the first a=crypto line (in the peer's order) whose
 * suite we support and whose key, MKI and session parameters we can honour;
 * anything else, RTP/AVP above all, is a 488 with a reason. Never a fallback
 * to clear RTP.
 *
 * Reasons name the fault and never carry key material: texts of the crypto
 * parser's errors are not reused, only their codes.
 *
 * The one exception is PgsmSdpLocal.clear_media, for the site's inside leg
 * only: there RTP/AVP without keys is offered and required, and RTP/SAVP
 * is refused (that leg has no keys to give). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstpgsmsdp.h"

#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <sofia-sip/su_alloc.h>
#include <sofia-sip/sdp.h>

/* One parsed SDP, freed with sdp_parser_free() */
typedef struct
{
  sdp_parser_t *parser;
  sdp_session_t *session;
} ParsedSdp;

/* The codecs the bin carries, named in PgsmSdpLocal by our payload type */
typedef struct
{
  guint pt;                     /* ours: static (PCMU, PCMA) or offered */
  const gchar *encoding_name;   /* as in GStreamer's RTP caps */
  const gchar *sdp_name;        /* as in a=rtpmap */
  guint clock_rate;
  guint channels;               /* in a=rtpmap, 0 = not written */
  const gchar *fmtp;            /* our a=fmtp, or NULL */
} Codec;

static const Codec codecs[] = {
  {PGSM_SDP_PT_PCMU, "PCMU", "PCMU", 8000, 0, NULL},
  {PGSM_SDP_PT_PCMA, "PCMA", "PCMA", 8000, 0, NULL},
  /* RFC 7587: always 48000/2 in SDP, whatever is really sent */
  {PGSM_SDP_PT_OPUS, "OPUS", "opus", 48000, 2, "useinbandfec=1"},
};

static const Codec *
codec_of_pt (guint pt)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codecs); i++)
    if (codecs[i].pt == pt)
      return &codecs[i];
  return NULL;
}

const gchar *
pgsm_sdp_encoding_name (guint payload_type)
{
  const Codec *c = codec_of_pt (payload_type);

  return c ? c->encoding_name : NULL;
}

/* Directions as the bits of Sofia's sdp_mode_t: 1 = we send, 2 = we
 * receive, from the point of view of the SDP's writer */
#define DIR_SEND 1u
#define DIR_RECV 2u

static guint
direction_bits (PgsmSdpDirection direction)
{
  switch (direction) {
    case PGSM_SDP_SENDONLY:
      return DIR_SEND;
    case PGSM_SDP_RECVONLY:
      return DIR_RECV;
    case PGSM_SDP_INACTIVE:
      return 0;
    case PGSM_SDP_SENDRECV:
    default:
      return DIR_SEND | DIR_RECV;
  }
}

static PgsmSdpDirection
direction_from_bits (guint bits)
{
  switch (bits & (DIR_SEND | DIR_RECV)) {
    case DIR_SEND:
      return PGSM_SDP_SENDONLY;
    case DIR_RECV:
      return PGSM_SDP_RECVONLY;
    case 0:
      return PGSM_SDP_INACTIVE;
    default:
      return PGSM_SDP_SENDRECV;
  }
}

/* The peer's direction seen from our side: what it sends, we receive */
static PgsmSdpDirection
direction_reverse (PgsmSdpDirection direction)
{
  guint bits = direction_bits (direction);

  return direction_from_bits (((bits & DIR_SEND) ? DIR_RECV : 0) |
      ((bits & DIR_RECV) ? DIR_SEND : 0));
}

const gchar *
pgsm_sdp_direction_name (PgsmSdpDirection direction)
{
  switch (direction) {
    case PGSM_SDP_SENDONLY:
      return "sendonly";
    case PGSM_SDP_RECVONLY:
      return "recvonly";
    case PGSM_SDP_INACTIVE:
      return "inactive";
    case PGSM_SDP_SENDRECV:
    default:
      return "sendrecv";
  }
}

gboolean
pgsm_sdp_decision_is_accepted (const PgsmSdpDecision * decision)
{
  if (decision == NULL || decision->status != 0)
    return FALSE;
  if (decision->clear)
    return decision->local_crypto == NULL && decision->remote_crypto == NULL;
  return decision->local_crypto != NULL && decision->remote_crypto != NULL;
}

/* SDP texts we made carry our keys */
static void
wipe_free (gchar * text)
{
  if (text != NULL)
    memset (text, 0, strlen (text));
  g_free (text);
}

void
pgsm_sdp_offer_free (PgsmSdpOffer * offer)
{
  if (offer == NULL)
    return;
  wipe_free (offer->sdp);
  g_clear_pointer (&offer->cryptos, g_ptr_array_unref);
  g_free (offer);
}

void
pgsm_sdp_decision_free (PgsmSdpDecision * decision)
{
  if (decision == NULL)
    return;
  g_free (decision->reason);
  g_clear_pointer (&decision->local_crypto, pgsm_crypto_attribute_free);
  g_clear_pointer (&decision->remote_crypto, pgsm_crypto_attribute_free);
  g_free (decision->remote_address);
  wipe_free (decision->answer_sdp);
  g_free (decision);
}

gboolean
pgsm_sdp_parse_suites (const gchar * list, GArray * suites, GError ** error)
{
  g_auto (GStrv) names = NULL;
  guint i;

  g_return_val_if_fail (list != NULL, FALSE);

  names = g_strsplit_set (list, ", ", -1);
  for (i = 0; names[i] != NULL; i++) {
    const PgsmSrtpSuiteInfo *info;
    PgsmSrtpSuite suite;

    if (names[i][0] == '\0')
      continue;
    info = pgsm_srtp_suite_lookup (names[i]);
    if (info == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "unknown SRTP suite '%s'", names[i]);
      return FALSE;
    }
    suite = info->suite;
    g_array_append_val (suites, suite);
  }
  if (suites->len == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "the suite list is empty");
    return FALSE;
  }
  return TRUE;
}

/* A crypto attribute with tag @tag, suite @suite and a fresh master key and
 * salt from the CSPRNG. */
static PgsmCryptoAttribute *
crypto_new_fresh (guint tag, PgsmSrtpSuite suite, GError ** error)
{
  const PgsmSrtpSuiteInfo *info = pgsm_srtp_suite_get_info (suite);
  PgsmCryptoAttribute *attr;
  GBytes *bytes;
  guint8 key[64];
  gsize len;
  gboolean ok;

  if (info == NULL || info->key_length + info->salt_length > sizeof (key)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "SRTP suite %d cannot be offered", suite);
    return NULL;
  }
  len = info->key_length + info->salt_length;
  if (gnutls_rnd (GNUTLS_RND_KEY, key, len) < 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "the random generator failed");
    return NULL;
  }
  attr = pgsm_crypto_attribute_new (tag, suite);
  bytes = g_bytes_new (key, len);
  gnutls_memset (key, 0, sizeof (key));
  ok = pgsm_crypto_attribute_add_key (attr, bytes, 0, 0, 0, error);
  g_bytes_unref (bytes);
  if (!ok)
    g_clear_pointer (&attr, pgsm_crypto_attribute_free);
  return attr;
}

static const gchar *
addrtype_of (const gchar * address)
{
  return strchr (address, ':') != NULL ? "IP6" : "IP4";
}

static void
append_session_head (GString * s, const PgsmSdpLocal * local)
{
  guint64 id = local->session_id;

  if (id == 0)
    id = (guint64) g_get_real_time ();
  g_string_append_printf (s, "v=0\r\n"
      "o=- %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " IN %s %s\r\n"
      "s=-\r\n"
      "c=IN %s %s\r\n"
      "t=0 0\r\n", id, local->session_version, addrtype_of (local->address),
      local->address, addrtype_of (local->address), local->address);
}

/* a=rtpmap (and a=fmtp) of @codec under the payload type @pt */
static void
append_rtpmap (GString * s, const Codec * codec, guint pt)
{
  g_string_append_printf (s, "a=rtpmap:%u %s/%u", pt, codec->sdp_name,
      codec->clock_rate);
  if (codec->channels > 0)
    g_string_append_printf (s, "/%u", codec->channels);
  g_string_append (s, "\r\n");
  if (codec->fmtp != NULL)
    g_string_append_printf (s, "a=fmtp:%u %s\r\n", pt, codec->fmtp);
}

/* RFC 4733 3: the DTMF events 0-15 */
static void
append_dtmf_rtpmap (GString * s, guint pt)
{
  if (pt != 0)
    g_string_append_printf (s, "a=rtpmap:%u telephone-event/8000\r\n"
        "a=fmtp:%u 0-15\r\n", pt, pt);
}

/* The payload type of telephone-event/8000 in @m, or 0 */
static guint
find_dtmf (sdp_media_t * m)
{
  sdp_rtpmap_t *rm;

  for (rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next)
    if (rm->rm_encoding != NULL && rm->rm_rate == 8000 && rm->rm_pt >= 96
        && rm->rm_pt <= 127
        && g_ascii_strcasecmp (rm->rm_encoding, "telephone-event") == 0)
      return rm->rm_pt;
  return 0;
}

PgsmSdpOffer *
pgsm_sdp_offer_new (const PgsmSdpLocal * local, GError ** error)
{
  PgsmSdpOffer *offer;
  GString *s;
  guint i;

  g_return_val_if_fail (local != NULL && local->address != NULL, NULL);

  if ((local->n_suites == 0 && !local->clear_media)
      || local->n_payload_types == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "an offer needs at least one SRTP suite and one codec");
    return NULL;
  }

  offer = g_new0 (PgsmSdpOffer, 1);
  offer->cryptos = g_ptr_array_new_with_free_func ((GDestroyNotify)
      pgsm_crypto_attribute_free);
  s = g_string_new (NULL);
  append_session_head (s, local);
  g_string_append_printf (s, "m=audio %u %s", local->rtp_port,
      local->clear_media ? "RTP/AVP" : "RTP/SAVP");
  for (i = 0; i < local->n_payload_types; i++)
    g_string_append_printf (s, " %u", local->payload_types[i]);
  if (local->dtmf_payload_type != 0)
    g_string_append_printf (s, " %u", local->dtmf_payload_type);
  g_string_append (s, "\r\n");
  for (i = 0; i < local->n_payload_types; i++)
    if (codec_of_pt (local->payload_types[i]) != NULL)
      append_rtpmap (s, codec_of_pt (local->payload_types[i]),
          local->payload_types[i]);
  append_dtmf_rtpmap (s, local->dtmf_payload_type);

  for (i = 0; i < local->n_suites && !local->clear_media; i++) {
    PgsmCryptoAttribute *attr;
    gchar *value;

    /* a re-offer keeps the key we send with: one line, tag 1 */
    if (local->current_crypto != NULL) {
      attr = pgsm_crypto_attribute_copy (local->current_crypto);
      pgsm_crypto_attribute_set_tag (attr, 1);
      i = local->n_suites - 1;
    } else {
      attr = crypto_new_fresh (i + 1, local->suites[i], error);
    }
    if (attr == NULL)
      goto error;
    value = pgsm_crypto_attribute_to_string (attr);
    g_string_append_printf (s, "a=crypto:%s\r\n", value);
    /* the string holds a key: wipe it before it goes back to the heap */
    memset (value, 0, strlen (value));
    g_free (value);
    g_ptr_array_add (offer->cryptos, attr);
  }
  g_string_append_printf (s, "a=ptime:20\r\na=%s\r\n",
      pgsm_sdp_direction_name (local->direction));
  offer->sdp = g_string_free (s, FALSE);
  return offer;

error:
  memset (s->str, 0, s->len);
  g_string_free (s, TRUE);
  pgsm_sdp_offer_free (offer);
  return NULL;
}

/* RFC 3261 25.1 token characters: what a media format may be made of */
static gboolean
is_token_char (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("-.!%*_+`'~", c));
}

/* Skips one RFC 3261 token at *@p (at least one character) */
static gboolean
skip_token (const guchar ** p, const guchar * end)
{
  const guchar *q = *p;

  while (q < end && is_token_char (*q))
    q++;
  if (q == *p)
    return FALSE;
  *p = q;
  return TRUE;
}

static gboolean
skip_spaces (const guchar ** p, const guchar * end)
{
  const guchar *q = *p;

  while (q < end && *q == ' ')
    q++;
  if (q == *p)
    return FALSE;
  *p = q;
  return TRUE;
}

static gboolean
skip_digits (const guchar ** p, const guchar * end)
{
  const guchar *q = *p;

  while (q < end && g_ascii_isdigit (*q))
    q++;
  if (q == *p)
    return FALSE;
  *p = q;
  return TRUE;
}

/* RFC 4566 5.14, strictly: m=<media> <port>[/<n>] <proto> <fmt> ...,
 * media and formats tokens, proto tokens separated by '/' */
static gboolean
media_line_valid (const guchar * p, const guchar * end)
{
  if (!skip_token (&p, end) || !skip_spaces (&p, end)
      || !skip_digits (&p, end))
    return FALSE;
  if (p < end && *p == '/') {
    p++;
    if (!skip_digits (&p, end))
      return FALSE;
  }
  if (!skip_spaces (&p, end) || !skip_token (&p, end))
    return FALSE;
  while (p < end && *p == '/') {
    p++;
    if (!skip_token (&p, end))
      return FALSE;
  }
  while (p < end) {
    if (!skip_spaces (&p, end))
      return FALSE;
    if (p < end && !skip_token (&p, end))
      return FALSE;
  }
  return TRUE;
}

/* Sofia-SIP's sdp_parse() (1.12.11) loops for ever, allocating until the
 * process runs out of memory, on m= lines it tokenizes wrongly: an unknown
 * transport followed by a format that is not a token ("m=audio 1 X \""),
 * or a port run into other characters ("m=a 4Q=:"). Found by
 * tests/fuzz/sdp_offer_fuzzer.c (regression inputs in its corpus); any
 * peer could send that in an INVITE. So before Sofia sees a body: no
 * control character but CR, LF and TAB anywhere, and every m= line exactly
 * as RFC 4566's grammar has it. Returns why a body is refused, or NULL. */
static const gchar *
sdp_text_unsafe (const gchar * text)
{
  const guchar *p;

  for (p = (const guchar *) text; *p != '\0'; p++)
    if ((*p < 0x20 && *p != '\r' && *p != '\n' && *p != '\t') || *p == 0x7f)
      return "a control character";
  for (p = (const guchar *) text; *p != '\0';) {
    const guchar *end = p;

    while (*end != '\0' && *end != '\r' && *end != '\n')
      end++;
    /* <type>=<value> from the first byte (Sofia reads "\tm=..." as an m=
     * line too) */
    if (*p == ' ' || *p == '\t')
      return "a line starting with white space";
    if (end - p >= 2 && p[0] == 'm' && p[1] == '='
        && !media_line_valid (p + 2, end))
      return "an m= line that does not follow RFC 4566";
    p = end;
    while (*p == '\r' || *p == '\n')
      p++;
  }
  return NULL;
}

static gboolean
parse_sdp (const gchar * text, ParsedSdp * out, gchar ** reason)
{
  const char *perr;
  const gchar *unsafe;

  out->session = NULL;
  out->parser = NULL;
  if (text == NULL || *text == '\0') {
    *reason = g_strdup ("no SDP body");
    return FALSE;
  }
  unsafe = sdp_text_unsafe (text);
  if (unsafe != NULL) {
    *reason = g_strdup_printf ("malformed SDP: %s", unsafe);
    return FALSE;
  }
  out->parser = sdp_parse (NULL, text, strlen (text),
      sdp_f_anynet | sdp_f_mode_0000);
  if (out->parser == NULL) {
    *reason = g_strdup ("the SDP could not be parsed");
    return FALSE;
  }
  perr = sdp_parsing_error (out->parser);
  if (perr != NULL) {
    *reason = g_strdup_printf ("malformed SDP: %s", perr);
    return FALSE;
  }
  out->session = sdp_session (out->parser);
  if (out->session == NULL) {
    *reason = g_strdup ("malformed SDP: no session");
    return FALSE;
  }
  return TRUE;
}

static void
parsed_sdp_clear (ParsedSdp * p)
{
  if (p->parser != NULL)
    sdp_parser_free (p->parser);
  p->parser = NULL;
  p->session = NULL;
}

static sdp_media_t *
first_audio (sdp_session_t * session)
{
  sdp_media_t *m;

  for (m = session->sdp_media; m != NULL; m = m->m_next)
    if (m->m_type == sdp_media_audio && m->m_port != 0 && !m->m_rejected)
      return m;
  return NULL;
}

static gboolean
local_has_pt (const PgsmSdpLocal * local, guint pt)
{
  guint i;

  for (i = 0; i < local->n_payload_types; i++)
    if (local->payload_types[i] == pt)
      return TRUE;
  return FALSE;
}

static gboolean
local_has_suite (const PgsmSdpLocal * local, PgsmSrtpSuite suite)
{
  guint i;

  for (i = 0; i < local->n_suites; i++)
    if (local->suites[i] == suite)
      return TRUE;
  return FALSE;
}

/* The first codec of the peer's list that we carry (by name and clock
 * rate), or NULL; *@pt gets the peer's payload type for it. In an answer
 * (@answer) the payload type must be the one we offered (RFC 3264 6.1). */
static const Codec *
choose_codec (const PgsmSdpLocal * local, sdp_media_t * m, gboolean answer,
    guint * pt)
{
  sdp_rtpmap_t *rm;
  guint i;

  for (rm = m->m_rtpmaps; rm != NULL; rm = rm->rm_next) {
    if (rm->rm_encoding == NULL)
      continue;
    for (i = 0; i < G_N_ELEMENTS (codecs); i++) {
      const Codec *c = &codecs[i];

      if (!local_has_pt (local, c->pt) || rm->rm_rate != c->clock_rate
          || g_ascii_strcasecmp (rm->rm_encoding, c->sdp_name) != 0)
        continue;
      /* static types are what they are; a dynamic one is the peer's
       * choice in an offer, ours in an answer */
      if ((c->pt < 96 || answer) && rm->rm_pt != c->pt)
        continue;
      if (c->pt >= 96 && (rm->rm_pt < 96 || rm->rm_pt > 127))
        continue;
      *pt = rm->rm_pt;
      return c;
    }
  }
  return NULL;
}

/* Fills the remote transport of @d from @m; FALSE with a reason if absent */
static gboolean
read_transport (PgsmSdpDecision * d, sdp_session_t * session, sdp_media_t * m)
{
  sdp_connection_t *c = m->m_connections;
  sdp_attribute_t *a;

  if (c == NULL)
    c = session->sdp_connection;
  if (c == NULL || c->c_address == NULL || c->c_address[0] == '\0') {
    d->reason = g_strdup ("the audio stream has no connection address");
    return FALSE;
  }
  if (m->m_port > 65535) {
    d->reason = g_strdup ("the audio port is out of range");
    return FALSE;
  }
  d->remote_address = g_strdup (c->c_address);
  d->remote_rtp_port = m->m_port;
  d->remote_rtcp_port = m->m_port + 1;
  for (a = m->m_attributes; a != NULL; a = a->a_next) {
    guint64 port;

    if (g_ascii_strcasecmp (a->a_name, "rtcp") != 0 || a->a_value == NULL)
      continue;
    port = g_ascii_strtoull (a->a_value, NULL, 10);
    if (port > 0 && port <= 65535)
      d->remote_rtcp_port = port;
  }
  return TRUE;
}

static const gchar *
crypto_error_text (const GError * err)
{
  if (err->domain != PGSM_CRYPTO_ERROR)
    return "unusable crypto attribute";
  switch (err->code) {
    case PGSM_CRYPTO_ERROR_UNKNOWN_SUITE:
      return "unknown crypto suite";
    case PGSM_CRYPTO_ERROR_MISSING_INLINE:
      return "key method is not inline";
    case PGSM_CRYPTO_ERROR_BAD_BASE64:
      return "bad base64 key";
    case PGSM_CRYPTO_ERROR_BAD_KEY_LENGTH:
      return "wrong key length";
    case PGSM_CRYPTO_ERROR_BAD_LIFETIME:
      return "bad key lifetime";
    case PGSM_CRYPTO_ERROR_BAD_MKI:
      return "bad MKI";
    case PGSM_CRYPTO_ERROR_BAD_SESSION_PARAM:
      return "bad session parameter";
    case PGSM_CRYPTO_ERROR_BAD_TAG:
      return "bad tag";
    default:
      return "malformed crypto attribute";
  }
}

/* Whether we can honour what @attr asks for: one key (MKI allowed), no key
 * derivation rate, nothing unencrypted or unauthenticated, no session
 * parameter we do not know (WSH alone is fine). */
static const gchar *
crypto_unsupported (const PgsmSdpLocal * local,
    const PgsmCryptoAttribute * attr)
{
  if (!local_has_suite (local, pgsm_crypto_attribute_get_suite (attr)))
    return "suite not enabled";
  if (pgsm_crypto_attribute_get_n_keys (attr) != 1)
    return "more than one key";
  if (pgsm_crypto_attribute_get_unencrypted_srtp (attr)
      || pgsm_crypto_attribute_get_unencrypted_srtcp (attr))
    return "UNENCRYPTED_SRTP/SRTCP requested";
  if (pgsm_crypto_attribute_get_unauthenticated_srtp (attr))
    return "UNAUTHENTICATED_SRTP requested";
  if (pgsm_crypto_attribute_get_kdr (attr) > 0)
    return "a key derivation rate is requested";
  if (pgsm_crypto_attribute_has_session_params (attr)
      && pgsm_crypto_attribute_get_wsh (attr) == 0)
    return "unsupported session parameter";
  return NULL;
}

/* Walks the a=crypto lines of @m. With @offer NULL (reading an offer) the
 * first usable line wins; with @offer set (reading an answer) the line must
 * also carry a tag and suite we offered. Returns the chosen attribute, or
 * NULL with @reasons filled. */
static PgsmCryptoAttribute *
choose_crypto (const PgsmSdpLocal * local, const PgsmSdpOffer * offer,
    sdp_media_t * m, GString * reasons)
{
  sdp_attribute_t *a;
  guint n = 0;

  for (a = m->m_attributes; a != NULL; a = a->a_next) {
    g_autoptr (GError) err = NULL;
    PgsmCryptoAttribute *attr;
    const gchar *why = NULL;

    if (g_ascii_strcasecmp (a->a_name, "crypto") != 0)
      continue;
    n++;
    attr = pgsm_crypto_attribute_parse (a->a_value ? a->a_value : "", &err);
    if (attr == NULL)
      why = crypto_error_text (err);
    else
      why = crypto_unsupported (local, attr);
    if (why == NULL && offer != NULL) {
      guint tag = pgsm_crypto_attribute_get_tag (attr);

      if (tag == 0 || tag > offer->cryptos->len)
        why = "tag was not offered";
      else if (pgsm_crypto_attribute_get_suite (g_ptr_array_index
              (offer->cryptos, tag - 1)) != pgsm_crypto_attribute_get_suite
          (attr))
        why = "suite differs from the offered one";
    }
    if (why == NULL)
      return attr;
    g_string_append_printf (reasons, "%sa=crypto line %u: %s",
        reasons->len ? "; " : "", n, why);
    g_clear_pointer (&attr, pgsm_crypto_attribute_free);
  }
  if (n == 0)
    g_string_append (reasons, "no a=crypto line");
  return NULL;
}

static gboolean
check_profile (PgsmSdpDecision * d, const PgsmSdpLocal * local, sdp_media_t * m)
{
  if (local->clear_media) {
    if (m->m_proto == sdp_proto_rtp)
      return TRUE;
    d->reason = g_strdup_printf ("the audio stream is %s; this leg "
        "(media-encryption=none) carries clear RTP/AVP only",
        m->m_proto_name ? m->m_proto_name : "(none)");
    return FALSE;
  }
  if (m->m_proto == sdp_proto_srtp)
    return TRUE;
  if (m->m_proto == sdp_proto_rtp)
    d->reason = g_strdup ("the audio stream is RTP/AVP (clear RTP); "
        "only RTP/SAVP with SDES keys is accepted");
  else
    d->reason = g_strdup_printf ("unsupported audio transport %s",
        m->m_proto_name ? m->m_proto_name : "(none)");
  return FALSE;
}

static void
append_answer (PgsmSdpDecision * d, const PgsmSdpLocal * local,
    sdp_session_t * session, sdp_media_t * chosen)
{
  GString *s = g_string_new (NULL);
  sdp_media_t *m;
  gchar *value;

  append_session_head (s, local);
  /* one m= line per offered one (RFC 3264 6): others are refused, port 0 */
  for (m = session->sdp_media; m != NULL; m = m->m_next) {
    if (m != chosen) {
      g_string_append_printf (s, "m=%s 0 %s %s\r\n",
          m->m_type_name ? m->m_type_name : "audio",
          m->m_proto_name ? m->m_proto_name : "RTP/SAVP",
          m->m_format && m->m_format->l_text ? m->m_format->l_text : "0");
      continue;
    }
    g_string_append_printf (s, "m=audio %u %s %u", local->rtp_port,
        d->clear ? "RTP/AVP" : "RTP/SAVP", d->payload_type);
    if (d->dtmf_payload_type != 0)
      g_string_append_printf (s, " %u", d->dtmf_payload_type);
    g_string_append (s, "\r\n");
    append_rtpmap (s, d->codec, d->payload_type);
    append_dtmf_rtpmap (s, d->dtmf_payload_type);
    if (!d->clear) {
      value = pgsm_crypto_attribute_to_string (d->local_crypto);
      g_string_append_printf (s, "a=crypto:%s\r\n", value);
      memset (value, 0, strlen (value));
      g_free (value);
    }
    g_string_append_printf (s, "a=ptime:20\r\na=%s\r\n",
        pgsm_sdp_direction_name (d->direction));
  }
  d->answer_sdp = g_string_free (s, FALSE);
}

/* Common part of reading an offer or an answer: the audio stream, its
 * profile, codec, transport and crypto line. */
static sdp_media_t *
read_media (PgsmSdpDecision * d, const PgsmSdpLocal * local,
    const PgsmSdpOffer * offer, sdp_session_t * session)
{
  sdp_media_t *m = first_audio (session);
  GString *reasons;
  guint pt = 0;
  const Codec *codec;

  if (m == NULL) {
    d->reason = g_strdup ("no accepted audio stream");
    return NULL;
  }
  if (!check_profile (d, local, m))
    return NULL;
  codec = choose_codec (local, m, offer != NULL, &pt);
  if (codec == NULL) {
    d->reason = g_strdup ("no common audio codec");
    return NULL;
  }
  d->codec = codec;
  d->codec_id = codec->pt;
  d->payload_type = pt;
  d->encoding_name = codec->encoding_name;
  d->clock_rate = codec->clock_rate;
  if (!read_transport (d, session, m))
    return NULL;
  if (local->clear_media) {
    /* RTP/AVP: any a=crypto line there means nothing (RFC 4568 4) */
    d->clear = TRUE;
    d->suite = PGSM_SRTP_SUITE_NONE;
    return m;
  }

  reasons = g_string_new (NULL);
  d->remote_crypto = choose_crypto (local, offer, m, reasons);
  if (d->remote_crypto == NULL) {
    d->reason = g_strdup_printf ("no usable SRTP key: %s", reasons->str);
    g_string_free (reasons, TRUE);
    return NULL;
  }
  g_string_free (reasons, TRUE);
  d->suite = pgsm_crypto_attribute_get_suite (d->remote_crypto);
  return m;
}

PgsmSdpDecision *
pgsm_sdp_answer_offer (const PgsmSdpLocal * local, const gchar * remote_offer)
{
  PgsmSdpDecision *d;
  ParsedSdp p;
  sdp_media_t *m;
  g_autoptr (GError) err = NULL;

  g_return_val_if_fail (local != NULL && local->address != NULL, NULL);

  d = g_new0 (PgsmSdpDecision, 1);
  d->status = PGSM_SDP_STATUS_NOT_ACCEPTABLE;
  if (!parse_sdp (remote_offer, &p, &d->reason))
    goto out;
  m = read_media (d, local, NULL, p.session);
  if (m == NULL)
    goto out;

  /* telephone-events under the offerer's payload type, if we take them
   * (telephone-event/8000: with an 8 kHz codec only) */
  if (local->dtmf_payload_type != 0 && d->clock_rate == 8000)
    d->dtmf_payload_type = find_dtmf (m);

  /* what we do: what the peer offers, reversed, within what we want */
  d->direction = direction_from_bits (direction_bits (direction_reverse
          (direction_from_bits (m->m_mode))) & direction_bits
      (local->direction));

  /* our key for what we send, under the tag the peer chose: the one we
   * send with already when the suite stays (a re-offer), else a fresh one */
  if (d->clear) {
    /* no key on the inside leg */
  } else if (local->current_crypto != NULL
      && pgsm_crypto_attribute_get_suite (local->current_crypto) == d->suite) {
    d->local_crypto = pgsm_crypto_attribute_copy (local->current_crypto);
    pgsm_crypto_attribute_set_tag (d->local_crypto,
        pgsm_crypto_attribute_get_tag (d->remote_crypto));
  } else {
    d->local_crypto =
        crypto_new_fresh (pgsm_crypto_attribute_get_tag (d->remote_crypto),
        d->suite, &err);
  }
  if (d->local_crypto == NULL && !d->clear) {
    d->reason = g_strdup_printf ("no local key: %s", err->message);
    goto out;
  }
  append_answer (d, local, p.session, m);
  d->status = 0;

out:
  parsed_sdp_clear (&p);
  if (d->status != 0) {
    g_clear_pointer (&d->remote_crypto, pgsm_crypto_attribute_free);
    g_clear_pointer (&d->local_crypto, pgsm_crypto_attribute_free);
  }
  return d;
}

PgsmSdpDecision *
pgsm_sdp_accept_answer (const PgsmSdpLocal * local, const PgsmSdpOffer * offer,
    const gchar * remote_answer)
{
  PgsmSdpDecision *d;
  ParsedSdp p;
  sdp_media_t *m;
  guint tag;

  g_return_val_if_fail (local != NULL && offer != NULL, NULL);

  d = g_new0 (PgsmSdpDecision, 1);
  d->status = PGSM_SDP_STATUS_NOT_ACCEPTABLE;
  if (!parse_sdp (remote_answer, &p, &d->reason))
    goto out;
  m = read_media (d, local, offer, p.session);
  if (m == NULL)
    goto out;
  /* telephone-events only when we offered them and the answer keeps them
   * (on our payload type: RFC 3264 6.1) */
  if (local->dtmf_payload_type != 0 && d->clock_rate == 8000
      && find_dtmf (m) == local->dtmf_payload_type)
    d->dtmf_payload_type = local->dtmf_payload_type;

  /* what the peer answered, reversed, within what we offered */
  d->direction = direction_from_bits (direction_bits (direction_reverse
          (direction_from_bits (m->m_mode))) & direction_bits
      (local->direction));
  if (!d->clear) {
    tag = pgsm_crypto_attribute_get_tag (d->remote_crypto);
    d->local_crypto = pgsm_crypto_attribute_copy (g_ptr_array_index
        (offer->cryptos, tag - 1));
  }
  d->status = 0;

out:
  parsed_sdp_clear (&p);
  if (d->status != 0)
    g_clear_pointer (&d->remote_crypto, pgsm_crypto_attribute_free);
  return d;
}
