/* tend: the command-line client of tendd. Everything lives in libtend_client (cli.c). */
#include <locale.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
        setlocale(LC_ALL, "");
        return cli_main(argc, argv, stdout, stderr);
}
