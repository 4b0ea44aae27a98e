package dev.smtpkit.benchmarks.servers;

import com.icegreen.greenmail.mail.MovingMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;

/**
 * GreenMail's SMTP service alone. GreenMail has no discarding mode: it parses each message and
 * stores it in a mailbox. A delivery handler that hands every message to a user who drops it
 * keeps the heap flat; the parsing stays, since that is what GreenMail does with a message.
 */
public final class GreenMailServer {

    private GreenMailServer() {
    }

    public static void main(String[] args) throws Exception {
        GreenMail greenMail = new GreenMail(new ServerSetup(ServerMain.port(args), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        greenMail.getUserManager().setMessageDeliveryHandler((message, address) -> DROP);
        greenMail.start();
        ServerMain.ready();
        greenMail.stop();
    }

    private static final GreenMailUser DROP = new GreenMailUser() {
        @Override
        public String getEmail() {
            return "drop@bench.test";
        }

        @Override
        public String getLogin() {
            return "drop";
        }

        @Override
        public void deliver(MovingMessage message) {
        }

        @Override
        public void deliver(MimeMessage message) {
        }

        @Override
        public void create() {
        }

        @Override
        public void delete() {
        }

        @Override
        public String getPassword() {
            return "";
        }

        @Override
        public void setPassword(String password) {
        }

        @Override
        public void authenticate(String password) {
        }

        @Override
        public String getQualifiedMailboxName() {
            return "drop";
        }
    };
}
