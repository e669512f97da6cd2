/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __PGSM_PRELUDE_H__
#define __PGSM_PRELUDE_H__

#include <glib.h>

/* Symbols of libgstpgsm-1.0 are hidden unless marked with PGSM_API */
#ifdef BUILDING_PGSM
#define PGSM_API __attribute__((visibility ("default"))) extern
#else
#define PGSM_API extern
#endif

#endif /* __PGSM_PRELUDE_H__ */
