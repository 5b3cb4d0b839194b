/* tests/install/app.c with the AWS client and JWT linked (HELLO_AWS). */
#define HELLO_AWS
#include "app.c"
