package dev.smtpkit.server;

import dev.smtpkit.core.Envelope;
import java.io.InputStream;

/** {@link StreamingMessageHandler#asFactory()}: each message's content handed over as it arrives. */
final class StreamedMessages implements SessionHandler.Factory, AcceptsEverything {

    private final StreamingMessageHandler handler;

    StreamedMessages(StreamingMessageHandler handler) {
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
            handler.message(connection, envelope, content);
        }
    }
}
