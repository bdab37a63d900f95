#!/usr/bin/python3
"""Write N synthetic vCards (a realistic mix of 2.1, 3.0 and 4.0 cards with grouped labels,
QUOTED-PRINTABLE, folded notes and categories) to stdout, for the import benchmark.
Usage: gen_vcards.py N [SEED] [FIRST]   (cards FIRST .. FIRST+N-1: other FIRSTs, other people)"""

import random
import sys

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Zoë",
         "Örjan", "Иван", "Yukihiro", "Radia", "Tim", "Sophie", "Guido"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov",
        "Thompson", "Perlman", "Berners-Lee", "van Rossum", "Müller"]
ORGS = ["Acme", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne"]


def card(i, rnd):
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    name = "%s %s %d" % (first, last, i)
    kind = i % 3
    if kind == 0:  # Google/Apple 3.0
        return ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s\r\nN:%s;%s;;;\r\n"
                "item1.EMAIL;TYPE=INTERNET:p%d@example.com\r\nitem1.X-ABLabel:Work\r\n"
                "TEL;TYPE=CELL:+1 555 %07d\r\nORG:%s;Sales\r\nTITLE:Engineer\r\n"
                "CATEGORIES:myContacts,friends\r\nUID:uid-%d\r\nEND:VCARD\r\n"
                % (name, last, first, i, i, rnd.choice(ORGS), i))
    if kind == 1:  # Outlook 2.1
        return ("BEGIN:VCARD\r\nVERSION:2.1\r\nN:%s;%s %d\r\nFN:%s\r\n"
                "TEL;WORK;VOICE:+49 30 %07d\r\nEMAIL;PREF;INTERNET:q%d@example.de\r\n"
                "NOTE;ENCODING=QUOTED-PRINTABLE:M=C3=BCnchen office=0D=0Asecond line, a bit lon=\r\n"
                "ger to force a soft break\r\nEND:VCARD\r\n" % (last, first, i, name, i, i))
    note = "Met at a conference; talked about databases, compilers and climbing. " * 2
    line = "NOTE:" + note
    folded = "\r\n ".join(line[k:k + 74] for k in range(0, len(line), 74))
    return ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:%08x-0000-4000-8000-%012x\r\n"
            "FN:%s\r\nEMAIL:r%d@example.org\r\nTEL;VALUE=uri:tel:+46-8-%06d\r\nBDAY:--0412\r\n"
            "%s\r\nX-SOCIAL:@p%d\r\nEND:VCARD\r\n" % (i, i, name, i, i, folded, i))


def main():
    n = int(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    out = sys.stdout
    for i in range(first, first + n):
        out.write(card(i, rnd))


if __name__ == "__main__":
    main()
