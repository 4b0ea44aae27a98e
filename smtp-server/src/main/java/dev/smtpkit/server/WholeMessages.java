package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import java.io.InputStream;

/** {@link MessageHandler#asFactory()}: each message read whole, within the server's memory budget, then handed over. */
final class WholeMessages implements SessionHandler.Factory, AcceptsEverything {

    private final MessageHandler handler;

    WholeMessages(MessageHandler handler) {
        this.handler = handler;
    }

    @Override
    public SessionHandler open(Connection connection) {
        return new Session(connection);
    }

    private final class Session implements SessionHandler, AcceptsEverything {
        private final Connection connection;

        Session(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws Exception {
            MemoryBudget memory = connection.memory();
            byte[] whole = memory.readWhole(content);
            try {
                handler.message(new ReceivedMessage(connection, envelope, whole));
            } finally {
                memory.release(whole.length);
            }
        }
    }
}
