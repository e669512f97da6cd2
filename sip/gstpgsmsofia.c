/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Sofia-SIP glue of pgsmsipbin.
 *
 * Threading: the object owns a thread that runs a private GMainContext. The
 * whole Sofia stack (su_init, the su_glib root, nua) is created, driven and
 * destroyed by that thread, because nua functions must be called from the
 * thread of the su_root they were created on. Public functions marshal their
 * work to that context with g_main_context_invoke_full(); signals are
 * emitted from that thread. Teardown runs in reverse order of start-up, after
 * nua_r_shutdown reported a final status. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* typed magic pointers for the nua and su_root callbacks */
struct _GstPgsmSofia;
struct _SofiaCall;
#define NUA_MAGIC_T struct _GstPgsmSofia
#define NUA_HMAGIC_T struct _SofiaCall
#define SU_ROOT_MAGIC_T struct _GstPgsmSofia

#include "gstpgsmsofia.h"

#include <signal.h>
#include <string.h>
#include <gst/gst.h>
#include <gio/gio.h>
/* nua.h and nua_tag.h both declare nua_callstate_name() and friends */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wredundant-decls"
#include <sofia-sip/su.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_protos.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_log.h>
#pragma GCC diagnostic pop

/* exported by libsofia-sip-ua, declared in no public header */
extern su_log_t tport_log[];
extern su_log_t nua_log[];
extern su_log_t nta_log[];

GST_DEBUG_CATEGORY_STATIC (pgsm_sofia_debug);
#define GST_CAT_DEFAULT pgsm_sofia_debug

/* How long a nua_shutdown may take before we give up waiting */
#define SHUTDOWN_TIMEOUT_US (5 * G_USEC_PER_SEC)
/* How long nua_create and the first nua_get_params may take */
#define START_TIMEOUT_US (10 * G_USEC_PER_SEC)

enum
{
  SIGNAL_INCOMING,
  SIGNAL_PROGRESS,
  SIGNAL_ANSWERED,
  SIGNAL_ESTABLISHED,
  SIGNAL_ENDED,
  SIGNAL_REINVITE,
  SIGNAL_REGISTRATION,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

typedef struct _SofiaCall
{
  gchar *call_id;
  nua_handle_t *nh;
  gboolean outgoing;
  gboolean ended;
  gboolean reinvite_pending;    /* a re-INVITE from the peer awaits our
                                 * final response */
  guint auth_tries;             /* challenges to our INVITE answered */
  gboolean answered;            /* outgoing: a 2xx came */
  gboolean bye_when_ready;      /* hung up between the 2xx and the ACK */
  gchar *flow;                  /* incoming over TLS: the caller's source
                                 * address, to send our requests back on the
                                 * connection it opened */
  gchar *contact;               /* incoming over TLS with no sips: URI in
                                 * its Request-URI, top Record-Route or
                                 * Contact: our Contact for it, a sip:
                                 * URI with transport=tls; NULL: nua's
                                 * own (sips:) */
} SofiaCall;

struct _GstPgsmSofia
{
  GObject parent;

  /* set before the thread starts, read-only after */
  gchar *bind_url;
  gchar *certificate_dir;
  gchar *local_uri;
  gboolean verify_outgoing;
  guint sip_t1_ms;
  gchar *proxy;
  gchar *username;              /* digest credentials; password wiped */
  gchar *password;

  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;

  /* start-up and shutdown hand-over, protected by lock */
  GMutex lock;
  GCond cond;
  gboolean started;
  gboolean shutdown_done;
  GError *start_error;
  guint bound_port;

  /* owned by the Sofia thread */
  su_home_t *home;
  su_root_t *root;
  GSource *source;
  nua_t *nua;
  GHashTable *calls;            /* call-id -> SofiaCall */
  gchar *tls_hostport;          /* host:port of our TLS listener, from the
                                 * agent's contact (contact_for()) */

  /* registration, owned by the Sofia thread */
  nua_handle_t *reg_nh;
  gchar *reg_registrar;
  gchar *reg_aor;
  gchar *reg_username;
  gchar *reg_password;          /* wiped when freed */
  guint reg_expires;
  guint reg_retry_s;
  guint reg_auth_tries;         /* challenges answered since the last 2xx */
  gchar reg_expires_str[16];
  gboolean reg_ok;              /* the last REGISTER got a 2xx */
  GSource *reg_retry;
};

G_DEFINE_TYPE (GstPgsmSofia, gst_pgsm_sofia, G_TYPE_OBJECT);

static void su_logger_cb (void *stream, char const *fmt, va_list ap);
static void on_r_get_params (GstPgsmSofia * self, tagi_t tags[]);

/* su_init()/su_deinit() keep a process-wide count; serialise them */
G_LOCK_DEFINE_STATIC (su_global);

static void
wipe_free (gchar * secret)
{
  if (secret != NULL)
    memset (secret, 0, strlen (secret));
  g_free (secret);
}

/* Answers a digest challenge (RFC 3261 22) of a 401/407 to a request of
 * @nh with @username/@password, at most twice in a row (*@tries): a third
 * challenge means they are wrong */
static gboolean
answer_challenge (nua_handle_t * nh, const sip_t * sip,
    const gchar * username, const gchar * password, guint * tries)
{
  const msg_auth_t *au = NULL;
  const char *realm;
  gchar *cred;

  if (sip != NULL)
    au = sip->sip_www_authenticate ? sip->sip_www_authenticate :
        sip->sip_proxy_authenticate;
  if (au == NULL || au->au_scheme == NULL || username == NULL
      || password == NULL || *tries >= 2)
    return FALSE;
  /* A new challenge after our answer that does not say stale=true (RFC
   * 2617 3.2.1) refuses the credentials (Kamailio does so rather than
   * with 403): answering it again, nua would end the request with its own
   * 904 "Operation has no matching challenge" */
  if (*tries >= 1) {
    const char *stale = msg_params_find (au->au_params, "stale=");

    if (stale != NULL && *stale == '"')
      stale++;
    if (stale == NULL || g_ascii_strncasecmp (stale, "true", 4) != 0)
      return FALSE;
  }
  realm = msg_params_find (au->au_params, "realm=");
  if (realm == NULL)
    return FALSE;
  (*tries)++;
  /* nua's format: scheme:"realm":user:password (the realm as quoted) */
  cred = g_strdup_printf ("%s:%s:%s:%s", au->au_scheme, realm, username,
      password);
  nua_authenticate (nh, NUTAG_AUTH (cred), TAG_END ());
  wipe_free (cred);
  return TRUE;
}

static void
call_free (SofiaCall * call)
{
  if (call->nh != NULL) {
    nua_handle_bind (call->nh, NULL);
    nua_handle_destroy (call->nh);
  }
  g_free (call->call_id);
  g_free (call->flow);
  g_free (call->contact);
  g_free (call);
}

static void
gst_pgsm_sofia_finalize (GObject * object)
{
  GstPgsmSofia *self = GST_PGSM_SOFIA (object);

  /* gst_pgsm_sofia_shutdown() joined the thread; do it now if nobody did */
  gst_pgsm_sofia_shutdown (self);
  g_free (self->bind_url);
  g_free (self->certificate_dir);
  g_free (self->local_uri);
  g_free (self->username);
  g_free (self->proxy);
  wipe_free (self->password);
  g_clear_error (&self->start_error);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (gst_pgsm_sofia_parent_class)->finalize (object);
}

static void
gst_pgsm_sofia_class_init (GstPgsmSofiaClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);

  gobject_class->finalize = gst_pgsm_sofia_finalize;

  /* incoming (call-id, from, request-uri, sdp): a new INVITE, from the
   * From URI to the Request-URI (what the caller dialled); answer with
   * gst_pgsm_sofia_respond() */
  signals[SIGNAL_INCOMING] = g_signal_new ("incoming",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
      G_TYPE_STRING);
  /* progress (call-id, status, phrase): a 1xx to our INVITE */
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);
  /* answered (call-id, status, phrase, sdp): the final response to our
   * INVITE; sdp is NULL when it has no body */
  signals[SIGNAL_ANSWERED] = g_signal_new ("answered",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_STRING);
  /* established (call-id): 2xx sent or received and ACKed */
  signals[SIGNAL_ESTABLISHED] = g_signal_new ("established",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 1, G_TYPE_STRING);
  /* ended (call-id, status, phrase): the dialog is over, for any reason */
  signals[SIGNAL_ENDED] = g_signal_new ("ended",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_UINT, G_TYPE_STRING);

  /* reinvite (call-id, sdp): the peer sent a re-INVITE in an established
   * dialog (hold, resume, rekey); sdp is NULL when it has no body. Answer
   * with gst_pgsm_sofia_respond(), whichever side placed the call */
  /* registration (status, phrase, expires): the final outcome of a
   * REGISTER, after digest challenges were answered; 2xx = registered.
   * After a failure the agent registers again every reg_retry_s seconds */
  signals[SIGNAL_REGISTRATION] = g_signal_new ("registration",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_STRING, G_TYPE_UINT);
  signals[SIGNAL_REINVITE] = g_signal_new ("reinvite",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);

  GST_DEBUG_CATEGORY_INIT (pgsm_sofia_debug, "pgsmsofia", 0,
      "Sofia-SIP glue of pgsmsipbin");

  /* Sofia logs to stderr by default; route its logs through GStreamer and
   * keep them below the level where messages (and keys) are dumped */
  su_log_redirect (NULL, su_logger_cb, NULL);
  su_log_redirect (tport_log, su_logger_cb, NULL);
  su_log_redirect (nua_log, su_logger_cb, NULL);
  su_log_redirect (nta_log, su_logger_cb, NULL);
  su_log_set_level (NULL, 3);
  su_log_set_level (tport_log, 3);
  su_log_set_level (nua_log, 3);
  su_log_set_level (nta_log, 3);
}

static void
gst_pgsm_sofia_init (GstPgsmSofia * self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
}

gchar *
gst_pgsm_sofia_new_call_id (void)
{
  return g_uuid_string_random ();
}

/* ---- the Sofia thread ---------------------------------------------- */

static const gchar *
payload_of (const sip_t * sip)
{
  if (sip == NULL || sip->sip_payload == NULL
      || sip->sip_payload->pl_data == NULL)
    return NULL;
  return sip->sip_payload->pl_data;
}

/* A caller that dialled over TLS rarely accepts a TLS connection back (a
 * phone has no server certificate); in-dialog requests we send (BYE) go
 * through the connection it opened, named by the received/rport of its Via
 * (RFC 3581), as PBXs do. */
static gchar *
flow_of (const sip_t * sip)
{
  const sip_via_t *v = sip ? sip->sip_via : NULL;
  const char *host, *port;

  if (v == NULL || v->v_protocol == NULL
      || g_ascii_strcasecmp (v->v_protocol, "SIP/2.0/TLS") != 0)
    return NULL;
  host = v->v_received ? v->v_received : v->v_host;
  port = v->v_rport && *v->v_rport ? v->v_rport : v->v_port;
  if (host == NULL || port == NULL)
    return NULL;
  return g_strdup_printf (strchr (host, ':') && host[0] != '[' ?
      "sips:[%s]:%s" : "sips:%s:%s", host, port);
}

/* RFC 3261 12.1.1 (and RFC 5630): the Contact of our answer must
 * be a sips: URI only when the request's Request-URI, or its top
 * Record-Route, or its Contact when there is no Record-Route, is one. A
 * caller that dialled sip:...;transport=tls (baresip 1.0.0, which cannot
 * send to sips: URIs at all) gets sip:HOST:PORT;transport=tls for the same
 * TLS listener: still TLS, never a clear transport. Over anything but TLS,
 * or without our listener's address, nua's own Contact stays. */
static gchar *
contact_for (GstPgsmSofia * self, const sip_t * sip)
{
  const gchar *host = self->tls_hostport;

  if (host == NULL || sip == NULL || sip->sip_request == NULL
      || sip->sip_via == NULL || sip->sip_via->v_protocol == NULL
      || g_ascii_strcasecmp (sip->sip_via->v_protocol, "SIP/2.0/TLS") != 0)
    return NULL;
  if (sip->sip_request->rq_url->url_type == url_sips)
    return NULL;
  if (sip->sip_record_route != NULL) {
    if (sip->sip_record_route->r_url->url_type == url_sips)
      return NULL;
  } else if (sip->sip_contact != NULL
      && sip->sip_contact->m_url->url_type == url_sips)
    return NULL;
  return g_strdup_printf ("<sip:%s;transport=tls>", host);
}

static SofiaCall *
call_new_incoming (GstPgsmSofia * self, nua_handle_t * nh, const sip_t * sip)
{
  SofiaCall *call = g_new0 (SofiaCall, 1);

  if (sip != NULL && sip->sip_call_id != NULL)
    call->call_id = g_strdup (sip->sip_call_id->i_id);
  else
    call->call_id = gst_pgsm_sofia_new_call_id ();
  call->nh = nh;
  call->flow = flow_of (sip);
  call->contact = contact_for (self, sip);
  nua_handle_bind (nh, call);
  g_hash_table_replace (self->calls, call->call_id, call);
  return call;
}

static void
end_call (GstPgsmSofia * self, SofiaCall * call, guint status,
    const gchar * phrase)
{
  gchar *id;

  if (call == NULL || call->ended)
    return;
  call->ended = TRUE;
  id = g_strdup (call->call_id);
  g_signal_emit (self, signals[SIGNAL_ENDED], 0, id, status,
      phrase ? phrase : "");
  g_hash_table_remove (self->calls, id);
  g_free (id);
}

static void
on_i_invite (GstPgsmSofia * self, nua_handle_t * nh, SofiaCall * call,
    const sip_t * sip)
{
  gchar *from = NULL, *request_uri = NULL;

  if (call != NULL) {
    /* a re-INVITE in the dialog: the bin decides (hold, resume, rekey) */
    if (call->ended || call->reinvite_pending) {
      nua_respond (nh, SIP_491_REQUEST_PENDING, TAG_END ());
      return;
    }
    GST_INFO ("re-INVITE on call %s", call->call_id);
    call->reinvite_pending = TRUE;
    g_signal_emit (self, signals[SIGNAL_REINVITE], 0, call->call_id,
        payload_of (sip));
    return;
  }
  call = call_new_incoming (self, nh, sip);
  if (sip != NULL && sip->sip_from != NULL)
    from = url_as_string (self->home, sip->sip_from->a_url);
  if (sip != NULL && sip->sip_request != NULL)
    request_uri = url_as_string (self->home, sip->sip_request->rq_url);
  GST_INFO ("incoming call %s", call->call_id);
  g_signal_emit (self, signals[SIGNAL_INCOMING], 0, call->call_id,
      from ? from : "", request_uri ? request_uri : "", payload_of (sip));
  su_free (self->home, from);
  su_free (self->home, request_uri);
}

static void
on_r_invite (GstPgsmSofia * self, int status, const char *phrase,
    SofiaCall * call, const sip_t * sip)
{
  if (call == NULL)
    return;
  /* a PBX that wants to know who calls: our credentials, then the INVITE
   * again (nua resends it with the same body) */
  if (status == 401 || status == 407) {
    if (answer_challenge (call->nh, sip, self->username, self->password,
            &call->auth_tries))
      return;
    /* refused: nua keeps the handle waiting for nua_authenticate(), so the
     * call ends here with the server's status */
    end_call (self, call, (guint) status, phrase);
    return;
  }
  if (status < 200) {
    g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, call->call_id,
        (guint) status, phrase);
    return;
  }
  if (status < 300)
    call->answered = TRUE;
  g_signal_emit (self, signals[SIGNAL_ANSWERED], 0, call->call_id,
      (guint) status, phrase, status < 300 ? payload_of (sip) : NULL);
}

static void
on_i_state (GstPgsmSofia * self, int status, const char *phrase,
    SofiaCall * call, tagi_t tags[])
{
  int state = nua_callstate_init;

  if (call == NULL)
    return;
  tl_gets (tags, NUTAG_CALLSTATE_REF (state), TAG_END ());
  GST_DEBUG ("call %s: state %s", call->call_id, nua_callstate_name (state));
  if (state == nua_callstate_ready && call->bye_when_ready) {
    /* a 2xx we refused (no usable keys, say): end the dialog at once */
    call->bye_when_ready = FALSE;
    nua_bye (call->nh, TAG_END ());
  } else if (state == nua_callstate_ready) {
    g_signal_emit (self, signals[SIGNAL_ESTABLISHED], 0, call->call_id);
  } else if (state == nua_callstate_terminated)
    end_call (self, call, status, phrase);
}

static void reg_send (GstPgsmSofia * self);

static gboolean
reg_retry_cb (gpointer data)
{
  GstPgsmSofia *self = data;

  g_clear_pointer (&self->reg_retry, g_source_unref);
  if (self->nua != NULL && self->reg_nh != NULL)
    reg_send (self);
  return G_SOURCE_REMOVE;
}

static void
reg_schedule_retry (GstPgsmSofia * self)
{
  if (self->reg_retry != NULL || self->reg_retry_s == 0)
    return;
  self->reg_retry = g_timeout_source_new_seconds (self->reg_retry_s);
  g_source_set_callback (self->reg_retry, reg_retry_cb, self, NULL);
  g_source_attach (self->reg_retry, self->context);
}

static void
reg_cancel_retry (GstPgsmSofia * self)
{
  if (self->reg_retry != NULL) {
    g_source_destroy (self->reg_retry);
    g_clear_pointer (&self->reg_retry, g_source_unref);
  }
}

static void
on_r_register (GstPgsmSofia * self, nua_handle_t * nh, int status,
    const char *phrase, const sip_t * sip)
{
  guint expires = 0;

  if (nh != self->reg_nh || status < 200)
    return;
  if ((status == 401 || status == 407) && answer_challenge (self->reg_nh, sip,
          self->reg_username, self->reg_password, &self->reg_auth_tries))
    return;
  if (status < 300) {
    self->reg_auth_tries = 0;
    self->reg_ok = TRUE;
    if (sip != NULL && sip->sip_contact != NULL
        && sip->sip_contact->m_expires != NULL)
      expires = (guint) g_ascii_strtoull (sip->sip_contact->m_expires, NULL,
          10);
    else if (sip != NULL && sip->sip_expires != NULL)
      expires = sip->sip_expires->ex_delta;
  } else {
    self->reg_ok = FALSE;
    /* a wrong password stays wrong; a registrar that is down comes back */
    if (status != 401 && status != 403 && status != 407)
      reg_schedule_retry (self);
  }
  GST_INFO ("REGISTER: %03d %s", status, phrase);
  g_signal_emit (self, signals[SIGNAL_REGISTRATION], 0, (guint) status,
      phrase ? phrase : "", expires);
}

static void
event_cb (nua_event_t event, int status, char const *phrase, nua_t * nua,
    GstPgsmSofia * self, nua_handle_t * nh, SofiaCall * call,
    sip_t const *sip, tagi_t tags[])
{
  GST_LOG ("%s %03d %s", nua_event_name (event), status, phrase);

  switch (event) {
    case nua_r_shutdown:
      if (status < 200)
        return;
      g_mutex_lock (&self->lock);
      self->shutdown_done = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      g_main_loop_quit (self->loop);
      break;
    case nua_r_get_params:
      on_r_get_params (self, tags);
      break;
    case nua_r_register:
      on_r_register (self, nh, status, phrase, sip);
      break;
    case nua_i_invite:
      on_i_invite (self, nh, call, sip);
      break;
    case nua_r_invite:
      on_r_invite (self, status, phrase, call, sip);
      break;
    case nua_i_state:
      on_i_state (self, status, phrase, call, tags);
      break;
    case nua_i_bye:
    case nua_i_cancel:
      end_call (self, call, status, phrase);
      break;
    case nua_r_bye:
      if (status >= 200)
        end_call (self, call, status, phrase);
      break;
    default:
      /* a request we did not ask for and do not serve: refuse, free */
      if (call == NULL && nh != NULL && event < nua_r_set_params
          && status < 200) {
        nua_respond (nh, SIP_501_NOT_IMPLEMENTED, TAG_END ());
        nua_handle_destroy (nh);
      }
      break;
  }
}

/* The port the transport is bound to, from the contact nta made for our
 * bind URL (its port is the one the kernel picked for port 0). Answers
 * nua_get_params(), then releases gst_pgsm_sofia_new(). */
static void
on_r_get_params (GstPgsmSofia * self, tagi_t tags[])
{
  sip_contact_t const *contact = NULL;
  guint port = 0;

  tl_gets (tags, NTATAG_CONTACT_REF (contact), TAG_END ());
  if (contact != NULL && contact->m_url->url_port != NULL)
    port = (guint) g_ascii_strtoull (contact->m_url->url_port, NULL, 10);
  /* the listener a sip:;transport=tls Contact names (contact_for()) */
  if (contact != NULL && contact->m_url->url_host != NULL && port != 0
      && self->tls_hostport == NULL) {
    const char *h = contact->m_url->url_host;
    char transport[8] = "";

    if (contact->m_url->url_params != NULL)
      url_param (contact->m_url->url_params, "transport", transport,
          sizeof (transport));
    if (contact->m_url->url_type == url_sips
        || g_ascii_strcasecmp (transport, "tls") == 0)
      self->tls_hostport = g_strdup_printf (strchr (h, ':') && h[0] != '[' ?
          "[%s]:%u" : "%s:%u", h, port);
  }

  g_mutex_lock (&self->lock);
  if (!self->started) {
    self->bound_port = port;
    self->started = TRUE;
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);
}

/* Sofia's own log goes to our debug category, at most at level 3 (no
 * message dumps: SIP bodies carry SDES keys). */
static void
su_logger_cb (void *stream, char const *fmt, va_list ap)
{
  gchar *line;

  if (gst_debug_category_get_threshold (pgsm_sofia_debug) < GST_LEVEL_DEBUG)
    return;
  line = g_strdup_vprintf (fmt, ap);
  g_strchomp (line);
  GST_DEBUG ("sofia: %s", line);
  g_free (line);
}

/* Sofia's sockets are written without MSG_NOSIGNAL: a peer that closes a
 * TLS connection while Sofia writes (a TLS 1.3 session ticket after a
 * certificate check, say) would kill the whole process with SIGPIPE. As
 * later Sofia-SIP releases do themselves, ignore SIGPIPE unless the
 * application installed its own handler. */
static void
ignore_sigpipe (void)
{
  struct sigaction sa;

  if (sigaction (SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
    memset (&sa, 0, sizeof (sa));
    sa.sa_handler = SIG_IGN;
    sigaction (SIGPIPE, &sa, NULL);
  }
}

static gboolean
stack_start (GstPgsmSofia * self, GError ** error)
{
  G_LOCK (su_global);
  ignore_sigpipe ();
  su_init ();
  G_UNLOCK (su_global);

  self->home = su_home_new (sizeof (su_home_t));
  self->root = su_glib_root_create (self);
  if (self->root == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "su_glib_root_create failed");
    return FALSE;
  }
  self->source = su_glib_root_gsource (self->root);
  if (self->source == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "su_glib_root_gsource failed");
    return FALSE;
  }
  g_source_attach (self->source, self->context);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
      (GDestroyNotify) call_free);

  /* Sofia verifies nothing unless told to (NOTES.md): with verification on,
   * outgoing TLS connections need a chain to cafile.pem of the certificate
   * directory, valid dates and a subject matching the host we dial. */
  self->nua = nua_create (self->root, event_cb, self,
      NUTAG_URL (self->bind_url),
      TAG_IF (self->proxy != NULL, NUTAG_PROXY (self->proxy)),
      TAG_IF (self->certificate_dir != NULL,
          TPTAG_CERTIFICATE (self->certificate_dir)),
      TPTAG_TLS_VERIFY_POLICY (self->verify_outgoing ?
          TPTLS_VERIFY_SUBJECTS_OUT : TPTLS_VERIFY_NONE),
      TPTAG_TLS_VERIFY_DEPTH (8),
      TPTAG_TLS_VERIFY_DATE (1),
      TAG_IF (self->sip_t1_ms > 0, NTATAG_SIP_T1 (self->sip_t1_ms)),
      TAG_IF (self->sip_t1_ms > 0, NTATAG_SIP_T1X64 (64 * self->sip_t1_ms)),
      /* the SDP is ours (gstpgsmsdp.c), not Sofia's soa */
      NUTAG_MEDIA_ENABLE (0),
      /* no session timer: with the SDP handled outside nua, its refreshes
       * would go out without a valid offer/answer */
      NUTAG_SESSION_TIMER (0),
      NUTAG_AUTOANSWER (0),
      TAG_IF (self->local_uri != NULL, SIPTAG_FROM_STR (self->local_uri)),
      TAG_END ());
  if (self->nua == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "could not start a SIP agent bound to %s", self->bind_url);
    return FALSE;
  }
  nua_get_params (self->nua, TAG_ANY (), TAG_END ());
  return TRUE;
}

static void
stack_stop (GstPgsmSofia * self)
{
  g_clear_pointer (&self->calls, g_hash_table_unref);
  reg_cancel_retry (self);
  if (self->reg_nh != NULL)
    nua_handle_destroy (self->reg_nh);
  self->reg_nh = NULL;
  g_clear_pointer (&self->reg_registrar, g_free);
  g_clear_pointer (&self->reg_aor, g_free);
  g_clear_pointer (&self->reg_username, g_free);
  g_clear_pointer (&self->reg_password, wipe_free);
  if (self->nua != NULL)
    nua_destroy (self->nua);
  self->nua = NULL;
  g_clear_pointer (&self->tls_hostport, g_free);
  if (self->source != NULL)
    g_source_destroy (self->source);
  self->source = NULL;
  if (self->root != NULL)
    su_root_destroy (self->root);
  self->root = NULL;
  if (self->home != NULL)
    su_home_unref (self->home);
  self->home = NULL;
  G_LOCK (su_global);
  su_deinit ();
  G_UNLOCK (su_global);
}

static gpointer
sofia_thread (gpointer data)
{
  GstPgsmSofia *self = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);
  ok = stack_start (self, &error);

  if (!ok) {
    g_mutex_lock (&self->lock);
    self->started = TRUE;
    self->start_error = error;
    g_cond_broadcast (&self->cond);
    g_mutex_unlock (&self->lock);
  } else {
    /* on_r_get_params() reports the start */
    g_main_loop_run (self->loop);
  }

  stack_stop (self);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

GstPgsmSofia *
gst_pgsm_sofia_new (const GstPgsmSofiaConfig * config, GError ** error)
{
  GstPgsmSofia *self;
  gint64 deadline;

  g_return_val_if_fail (config != NULL && config->bind_url != NULL, NULL);

  self = g_object_new (GST_TYPE_PGSM_SOFIA, NULL);
  self->bind_url = g_strdup (config->bind_url);
  self->certificate_dir = g_strdup (config->certificate_dir);
  self->local_uri = g_strdup (config->local_uri);
  self->verify_outgoing = config->verify_outgoing;
  self->sip_t1_ms = config->sip_t1_ms;
  self->username = g_strdup (config->username);
  self->proxy = g_strdup (config->proxy);
  self->password = g_strdup (config->password);

  self->thread = g_thread_try_new ("pgsmsofia", sofia_thread, self, error);
  if (self->thread == NULL) {
    g_object_unref (self);
    return NULL;
  }
  deadline = g_get_monotonic_time () + START_TIMEOUT_US;
  g_mutex_lock (&self->lock);
  while (!self->started)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  if (!self->started)
    g_set_error (&self->start_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "the SIP agent bound to %s did not start in time", self->bind_url);
  g_mutex_unlock (&self->lock);

  if (self->start_error != NULL) {
    g_propagate_error (error, g_steal_pointer (&self->start_error));
    g_object_unref (self);
    return NULL;
  }
  return self;
}

guint
gst_pgsm_sofia_get_bound_port (GstPgsmSofia * self)
{
  guint port;

  g_mutex_lock (&self->lock);
  port = self->bound_port;
  g_mutex_unlock (&self->lock);
  return port;
}

/* ---- requests, marshalled to the Sofia thread ------------------------ */

typedef enum
{
  OP_INVITE,
  OP_RESPOND,
  OP_REINVITE,
  OP_HANGUP,
  OP_REGISTER,
  OP_SHUTDOWN,
} OpKind;

typedef struct
{
  GstPgsmSofia *self;
  OpKind kind;
  gchar *call_id;
  gchar *uri;
  gchar *sdp;
  guint status;
  gchar *username;
  gchar *password;
  guint expires;
  guint retry_s;
} Op;

static void
op_free (Op * op)
{
  g_free (op->call_id);
  g_free (op->uri);
  /* SDP bodies carry SDES keys: wipe them before they go back to the heap */
  if (op->sdp != NULL)
    memset (op->sdp, 0, strlen (op->sdp));
  g_free (op->sdp);
  g_free (op->username);
  wipe_free (op->password);
  g_free (op);
}

static void
do_invite (GstPgsmSofia * self, Op * op)
{
  SofiaCall *call = g_new0 (SofiaCall, 1);

  call->call_id = g_strdup (op->call_id);
  call->outgoing = TRUE;
  call->nh = nua_handle (self->nua, call, SIPTAG_TO_STR (op->uri),
      SIPTAG_CALL_ID_STR (op->call_id), TAG_END ());
  if (call->nh == NULL) {
    g_free (call->call_id);
    g_free (call);
    g_signal_emit (self, signals[SIGNAL_ENDED], 0, op->call_id, 500u,
        "could not create a SIP handle");
    return;
  }
  g_hash_table_replace (self->calls, call->call_id, call);
  nua_invite (call->nh,
      SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
      SIPTAG_PAYLOAD_STR (op->sdp), TAG_END ());
}

static void
do_respond (GstPgsmSofia * self, Op * op)
{
  SofiaCall *call = g_hash_table_lookup (self->calls, op->call_id);
  const char *phrase;

  if (call == NULL || (call->outgoing && !call->reinvite_pending))
    return;
  if (op->status >= 200)
    call->reinvite_pending = FALSE;
  /* nua_respond() keeps the phrase pointer until the stack thread sends
   * the response: only a static string is safe */
  phrase = sip_status_phrase (op->status);
  /* the Contact of an answer (18x, 2xx) to a caller that did not ask for
   * sips: (contact_for()); nua keeps it as the dialog's local target */
  nua_respond (call->nh, op->status, phrase ? phrase : "Unknown",
      TAG_IF (call->contact != NULL && op->status < 300,
          SIPTAG_CONTACT_STR (call->contact)),
      TAG_IF (op->sdp != NULL,
          SIPTAG_CONTENT_TYPE_STR ("application/sdp")),
      TAG_IF (op->sdp != NULL, SIPTAG_PAYLOAD_STR (op->sdp)), TAG_END ());
}

/* A re-INVITE in an established dialog, with a new offer */
static void
do_reinvite (GstPgsmSofia * self, Op * op)
{
  SofiaCall *call = g_hash_table_lookup (self->calls, op->call_id);

  if (call == NULL || call->ended || !nua_handle_has_active_call (call->nh)) {
    if (call == NULL || !call->ended)
      g_signal_emit (self, signals[SIGNAL_ANSWERED], 0, op->call_id, 481u,
          "Call/Transaction Does Not Exist", NULL);
    return;
  }
  nua_invite (call->nh,
      TAG_IF (call->flow != NULL, NUTAG_PROXY (URL_STRING_MAKE (call->flow))),
      SIPTAG_CONTENT_TYPE_STR ("application/sdp"),
      SIPTAG_PAYLOAD_STR (op->sdp), TAG_END ());
}

/* REGISTER (again, after a failure): the handle keeps the refreshes */
static void
reg_send (GstPgsmSofia * self)
{
  self->reg_auth_tries = 0;
  nua_register (self->reg_nh,
      NUTAG_REGISTRAR (URL_STRING_MAKE (self->reg_registrar)),
      TAG_IF (self->reg_expires > 0,
          SIPTAG_EXPIRES_STR (self->reg_expires_str)),
      /* no OPTIONS keep-alives nor contact validation (RFC 5626 outbound):
       * a TLS connection of ours is kept by the refreshes */
      NUTAG_OUTBOUND ("no-options-keepalive no-validate"), TAG_END ());
}

static void
do_register (GstPgsmSofia * self, Op * op)
{
  if (self->reg_nh != NULL)
    return;
  self->reg_registrar = g_strdup (op->uri);
  self->reg_aor = g_strdup (op->call_id);
  self->reg_username = g_strdup (op->username);
  self->reg_password = g_strdup (op->password);
  self->reg_expires = op->expires;
  g_snprintf (self->reg_expires_str, sizeof (self->reg_expires_str), "%u",
      op->expires);
  self->reg_retry_s = op->retry_s;
  self->reg_nh = nua_handle (self->nua, NULL, SIPTAG_TO_STR (self->reg_aor),
      SIPTAG_FROM_STR (self->reg_aor), TAG_END ());
  if (self->reg_nh == NULL) {
    g_signal_emit (self, signals[SIGNAL_REGISTRATION], 0, 500u,
        "could not create a SIP handle", 0u);
    return;
  }
  reg_send (self);
}

static void
do_hangup (GstPgsmSofia * self, Op * op)
{
  SofiaCall *call = g_hash_table_lookup (self->calls, op->call_id);

  if (call == NULL)
    return;
  /* BYE an established dialog, CANCEL ours in progress, 603 theirs; ours
   * answered but not ACKed yet (a 2xx cannot be CANCELled): BYE once the
   * ACK is out */
  if (call->outgoing && call->answered
      && !nua_handle_has_active_call (call->nh))
    call->bye_when_ready = TRUE;
  else if (nua_handle_has_active_call (call->nh))
    nua_bye (call->nh, TAG_IF (call->flow != NULL,
            NUTAG_PROXY (URL_STRING_MAKE (call->flow))), TAG_END ());
  else if (call->outgoing)
    nua_cancel (call->nh, TAG_END ());
  else
    nua_respond (call->nh, SIP_603_DECLINE, TAG_END ());
}

static gboolean
op_dispatch_cb (gpointer data)
{
  Op *op = data;
  GstPgsmSofia *self = op->self;

  if (self->nua == NULL)
    return G_SOURCE_REMOVE;
  switch (op->kind) {
    case OP_INVITE:
      do_invite (self, op);
      break;
    case OP_RESPOND:
      do_respond (self, op);
      break;
    case OP_REINVITE:
      do_reinvite (self, op);
      break;
    case OP_HANGUP:
      do_hangup (self, op);
      break;
    case OP_REGISTER:
      do_register (self, op);
      break;
    case OP_SHUTDOWN:
      /* nua_shutdown un-REGISTERs what is registered */
      reg_cancel_retry (self);
      nua_shutdown (self->nua);
      break;
  }
  return G_SOURCE_REMOVE;
}

static void
op_push (GstPgsmSofia * self, Op * op)
{
  /* no reference: the thread is joined before the object goes away, and
   * ops still queued then are freed with the context */
  op->self = self;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT,
      op_dispatch_cb, op, (GDestroyNotify) op_free);
}

void
gst_pgsm_sofia_invite (GstPgsmSofia * self, const gchar * call_id,
    const gchar * to_uri, const gchar * sdp)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_INVITE;
  op->call_id = g_strdup (call_id);
  op->uri = g_strdup (to_uri);
  op->sdp = g_strdup (sdp);
  op_push (self, op);
}

void
gst_pgsm_sofia_respond (GstPgsmSofia * self, const gchar * call_id,
    guint status, const gchar * phrase, const gchar * sdp)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_RESPOND;
  op->call_id = g_strdup (call_id);
  op->status = status;
  op->sdp = g_strdup (sdp);
  op_push (self, op);
}

void
gst_pgsm_sofia_reinvite (GstPgsmSofia * self, const gchar * call_id,
    const gchar * sdp)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_REINVITE;
  op->call_id = g_strdup (call_id);
  op->sdp = g_strdup (sdp);
  op_push (self, op);
}

void
gst_pgsm_sofia_register (GstPgsmSofia * self, const gchar * registrar,
    const gchar * aor, const gchar * username, const gchar * password,
    guint expires, guint retry_s)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_REGISTER;
  op->uri = g_strdup (registrar);
  op->call_id = g_strdup (aor);
  op->username = g_strdup (username);
  op->password = g_strdup (password);
  op->expires = expires;
  op->retry_s = retry_s;
  op_push (self, op);
}

void
gst_pgsm_sofia_hangup (GstPgsmSofia * self, const gchar * call_id)
{
  Op *op = g_new0 (Op, 1);

  op->kind = OP_HANGUP;
  op->call_id = g_strdup (call_id);
  op_push (self, op);
}

/* Blocks until the agent shut down (or a timeout passed) and the thread
 * released every Sofia resource. Not from the Sofia thread itself. */
void
gst_pgsm_sofia_shutdown (GstPgsmSofia * self)
{
  gint64 deadline;
  Op *op;

  if (self->thread == NULL)
    return;
  g_return_if_fail (g_thread_self () != self->thread);

  op = g_new0 (Op, 1);
  op->kind = OP_SHUTDOWN;
  op_push (self, op);

  deadline = g_get_monotonic_time () + SHUTDOWN_TIMEOUT_US;
  g_mutex_lock (&self->lock);
  while (!self->shutdown_done)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  if (!self->shutdown_done)
    GST_WARNING ("SIP agent did not shut down in time; destroying it");
  g_mutex_unlock (&self->lock);

  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  self->thread = NULL;
}
