// terms.js - the capacity pillar's vocabulary as the API spells it (see
// src/capacity/model.c): facility kinds, hospital levels, categories and
// roles, the policy rules, the report's fields. Pages label them through
// i18n keys built from these names (kind.pharmacy, rule.icu_beds, …).
// No imports: tests load this file on its own to check every label exists.

export const KINDS = [
  'hospital',
  'fever_room_township',
  'fever_room_community',
  'vaccination_point',
  'pharmacy',
  'nursing_home',
  'welfare_home',
  'school',
  'kindergarten',
  'depot',
];
export const HOSPITAL_LEVELS = ['tertiary', 'secondary', 'primary'];
export const CATEGORIES = ['general', 'tcm', 'specialty'];
export const HOSPITAL_ROLES = ['designated', 'sub_designated', 'none'];
export const RULES = ['designated_beds', 'icu_beds', 'icu_convertible', 'fever_clinic_24h', 'reporting'];
export const STATUSES = ['met', 'not_met', 'unknown', 'not_applicable'];

// the daily report: counts, then the fever clinic's two yes/no answers
export const REPORT_COUNTS = ['open_beds', 'occupied_beds', 'icu_beds', 'icu_occupied', 'icu_convertible', 'fever_visits', 'ventilators'];
export const REPORT_FLAGS = ['fever_clinic', 'fever_24h'];

// a facility's fields, in the import/export column order
export const FACILITY_FIELDS = ['region', 'kind', 'name', 'level', 'category', 'role', 'address', 'phone', 'lat', 'lon', 'opened'];

// the server's limit on a count (jdec_int's range in capacity/api.c)
export const COUNT_MAX = 1000000;
