/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* GstPgsmSofia: one Sofia-SIP user agent (nua on su_glib) running on a
 * private GMainContext in a thread the object owns. Every nua call is made
 * from that thread; every result is a GObject signal emitted from that
 * thread (never from the application's main loop). Calls are named by their
 * SIP Call-ID. */

#ifndef __GST_PGSM_SOFIA_H__
#define __GST_PGSM_SOFIA_H__

#include <glib-object.h>

G_BEGIN_DECLS

#define GST_TYPE_PGSM_SOFIA (gst_pgsm_sofia_get_type ())
G_DECLARE_FINAL_TYPE (GstPgsmSofia, gst_pgsm_sofia, GST, PGSM_SOFIA, GObject)

typedef struct
{
  const gchar *bind_url;        /* "sips:127.0.0.1:0", or "sip:..." */
  const gchar *certificate_dir; /* TPTAG_CERTIFICATE: agent.pem, cafile.pem;
                                 * NULL = a directory with neither */
  const gchar *local_uri;       /* our AOR, the From of our requests */
  gboolean verify_outgoing;     /* Sofia's own TLS check of servers */
  guint sip_t1_ms;              /* SIP timer T1 (RFC 3261), 0 = 500 ms */
  const gchar *username;        /* digest credentials for challenges to our
                                 * INVITEs (copied; the password is wiped
                                 * when freed); NULL = none */
  const gchar *password;
  const gchar *proxy;           /* outbound proxy for every request, or
                                 * NULL */
} GstPgsmSofiaConfig;

GstPgsmSofia *gst_pgsm_sofia_new (const GstPgsmSofiaConfig * config,
    GError ** error);

guint gst_pgsm_sofia_get_bound_port (GstPgsmSofia * self);

void gst_pgsm_sofia_invite (GstPgsmSofia * self, const gchar * call_id,
    const gchar * to_uri, const gchar * sdp);

/* @phrase is ignored: Sofia keeps the phrase pointer until its stack thread
 * sends the response, so the standard phrase of @status is used */
void gst_pgsm_sofia_respond (GstPgsmSofia * self, const gchar * call_id,
    guint status, const gchar * phrase, const gchar * sdp);

/* A re-INVITE with a new offer in the established dialog of @call_id (hold,
 * resume, rekey); the final response comes as `answered` */
void gst_pgsm_sofia_reinvite (GstPgsmSofia * self, const gchar * call_id,
    const gchar * sdp);

void gst_pgsm_sofia_hangup (GstPgsmSofia * self, const gchar * call_id);

/* Registers @aor with @registrar (REGISTER, refreshed by nua before it
 * expires), answering digest challenges with @username/@password (copied,
 * wiped when freed). The outcome comes as `registration`; after a failure
 * other than a refusal of the credentials it registers again every
 * @retry_s seconds (0: never). Once per agent. */
void gst_pgsm_sofia_register (GstPgsmSofia * self, const gchar * registrar,
    const gchar * aor, const gchar * username, const gchar * password,
    guint expires, guint retry_s);

void gst_pgsm_sofia_shutdown (GstPgsmSofia * self);

gchar *gst_pgsm_sofia_new_call_id (void);

G_END_DECLS

#endif /* __GST_PGSM_SOFIA_H__ */
