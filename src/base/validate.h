/*
 * validate.h - validation of the identifiers people type: phone numbers
 * (now), resident ID numbers (with the community pillar). Pure functions.
 */
#ifndef CREST_VALIDATE_H
#define CREST_VALIDATE_H

#include <stdbool.h>

/* A mainland mobile (11 digits, 1[3-9]…) or a landline with area code
 * ("0571-87654321", "057187654321", optional "-ext"). */
bool validate_phone(const char *s);
/* YYYY-MM-DD naming a real calendar day. */
bool validate_date(const char *s);

#endif
