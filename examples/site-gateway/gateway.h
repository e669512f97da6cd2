/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* The End-To-Site gateway: a pgsmsipbin toward the outside (SIP/TLS, SRTP,
 * the site certificate) and one toward the inside (clear SIP and RTP),
 * bridging calls between them (crypto-to-clear, clear-to-crypto) and
 * holding conference rooms, all on clear audio in one pipeline. */

#ifndef __PGSM_GATEWAY_H__
#define __PGSM_GATEWAY_H__

#include <gst/gst.h>
#include "gateway-config.h"

G_BEGIN_DECLS

typedef struct _PgsmGateway PgsmGateway;

/* Called for each thing worth a line in a log: calls routed, bridged,
 * joined, ended, refused */
typedef void (*PgsmGatewayLogFunc) (const gchar * line, gpointer user_data);

/* Takes @config. Messages are handled in @context (NULL: the default). */
PgsmGateway *pgsm_gateway_new (PgsmGatewayConfig * config,
    GMainContext * context, PgsmGatewayLogFunc log, gpointer user_data);

gboolean pgsm_gateway_start (PgsmGateway * gw, GError ** error);

/* The SIP ports bound, known once started */
guint pgsm_gateway_get_outside_port (PgsmGateway * gw);
guint pgsm_gateway_get_inside_port (PgsmGateway * gw);

/* Set when the pipeline posted an ERROR: its text */
const gchar *pgsm_gateway_get_error (PgsmGateway * gw);

void pgsm_gateway_free (PgsmGateway * gw);

G_END_DECLS

#endif /* __PGSM_GATEWAY_H__ */
