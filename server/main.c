/* main.c: zarrd entry point (placeholder until the server core lands). */
#include <stdio.h>

int main(void)
{
    printf("zarrd %s\n", ZARRD_VERSION);
    return 0;
}
