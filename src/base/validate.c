/* validate.c - phone numbers and dates; see validate.h. */
#include "validate.h"

#include <string.h>

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool validate_phone(const char *s)
{
    size_t n = strlen(s);
    if (n == 11 && s[0] == '1' && s[1] >= '3' && s[1] <= '9' && digits(s, n))
        return true;
    /* landline: 0 + 2–3 digit area code, optional '-', 7–8 digit number, optional -ext */
    if (n < 10 || n > 20 || s[0] != '0')
        return false;
    size_t i = 0, d = 0, dashes = 0;
    for (; i < n; i++) {
        if (s[i] == '-') {
            if (i == 0 || s[i - 1] == '-' || ++dashes > 2)
                return false;
        } else if (s[i] >= '0' && s[i] <= '9') {
            d++;
        } else {
            return false;
        }
    }
    return s[n - 1] != '-' && d >= 10 && d <= 16;
}

bool validate_date(const char *s)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) || !digits(s + 5, 2) ||
        !digits(s + 8, 2))
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}
