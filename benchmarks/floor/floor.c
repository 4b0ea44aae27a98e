/*
 * The floor of a thread-per-connection SMTP server: what a blocking design costs before any
 * SMTP is done. Each connection has its own thread, which reads, answers every command line with
 * a canned reply and skips a message's content up to its end; nothing is parsed, checked, kept or
 * logged. Threads are reused and each waits in accept() itself (no hand-over from an accepting
 * thread), and one more is started whenever the last waiting one takes a connection.
 *
 * It is a benchmark row (ServerTarget.FLOOR), not a server: smtpkit's JDK transport is a thread
 * per connection, and this row shows how much of its CPU a message any such design pays on the
 * machine at hand, where smtp-sink's single process waits for all its connections in one place.
 *
 *   cc -O2 -pthread -o floor floor.c && ./floor PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int listener;
static atomic_int waiting;

static const char GREETING[] = "220 floor ESMTP\r\n";
static const char OK[] = "250 2.0.0 Ok\r\n";
static const char EHLO_REPLY[] = "250-floor\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
static const char GO_AHEAD[] = "354 End data with <CR><LF>.<CR><LF>\r\n";
static const char BYE[] = "221 2.0.0 Bye\r\n";

static int send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Queues a reply; replies to pipelined commands go out in one write at the end of the read. */
static int reply(int fd, char *out, size_t *used, size_t size, const char *text, size_t n) {
    if (*used + n > size) {
        if (send_all(fd, out, *used)) return -1;
        *used = 0;
    }
    memcpy(out + *used, text, n);
    *used += n;
    return 0;
}

/* Where the content's end, CR LF . CR LF, has got to: the state after the octets seen so far. */
enum end { TEXT, CR, LINE_START, DOT, DOT_CR };

static void serve(int fd) {
    char in[16384], out[4096], line[16];
    size_t line_len = 0, used = 0;
    int in_data = 0, quit = 0;
    enum end end = LINE_START;
    if (send_all(fd, GREETING, sizeof GREETING - 1)) goto done;
    while (!quit) {
        ssize_t n = read(fd, in, sizeof in);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        for (ssize_t i = 0; i < n && !quit; i++) {
            char c = in[i];
            if (in_data) {
                switch (end) {
                case TEXT: end = c == '\r' ? CR : TEXT; break;
                case CR: end = c == '\n' ? LINE_START : c == '\r' ? CR : TEXT; break;
                case LINE_START: end = c == '.' ? DOT : c == '\r' ? CR : TEXT; break;
                case DOT: end = c == '\r' ? DOT_CR : TEXT; break;
                case DOT_CR:
                    if (c == '\n') {
                        in_data = 0;
                        if (reply(fd, out, &used, sizeof out, OK, sizeof OK - 1)) goto done;
                    } else {
                        end = c == '\r' ? CR : TEXT;
                    }
                    break;
                }
                continue;
            }
            if (c != '\n') {
                /* Only the verb matters here: the rest of a long line is not kept. */
                if (line_len < sizeof line) line[line_len++] = c;
                continue;
            }
            const char *text = OK;
            size_t len = sizeof OK - 1;
            if (line_len >= 4 && !strncasecmp(line, "DATA", 4)) {
                text = GO_AHEAD, len = sizeof GO_AHEAD - 1;
                in_data = 1;
                end = LINE_START;
            } else if (line_len >= 4 && !strncasecmp(line, "EHLO", 4)) {
                text = EHLO_REPLY, len = sizeof EHLO_REPLY - 1;
            } else if (line_len >= 4 && !strncasecmp(line, "QUIT", 4)) {
                text = BYE, len = sizeof BYE - 1;
                quit = 1;
            }
            line_len = 0;
            if (reply(fd, out, &used, sizeof out, text, len)) goto done;
        }
        if (used > 0 && send_all(fd, out, used)) goto done;
        used = 0;
    }
done:
    close(fd);
}

static void *worker(void *unused);

static void start_worker(void) {
    pthread_attr_t attr;
    pthread_t thread;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    if (pthread_create(&thread, &attr, worker, NULL)) perror("pthread_create");
    pthread_attr_destroy(&attr);
}

static void *worker(void *unused) {
    (void)unused;
    int one = 1;
    for (;;) {
        atomic_fetch_add(&waiting, 1);
        int fd = accept(listener, NULL, NULL);
        int others = atomic_fetch_sub(&waiting, 1) - 1;
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) usleep(100000);
            continue;
        }
        /* The last thread waiting in accept() took this one: start the next before serving. */
        if (others == 0) start_worker();
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        serve(fd);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    int one = 1;
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[1]))};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) || listen(listener, 4096)) {
        perror("listen");
        return 1;
    }
    for (int i = 0; i < 32; i++) start_worker();
    printf("READY\n");
    fflush(stdout);
    for (;;) pause();
}
