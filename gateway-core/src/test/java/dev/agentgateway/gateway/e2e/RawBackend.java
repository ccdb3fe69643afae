package dev.agentgateway.gateway.e2e;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A backend on loopback that records every byte it receives, per connection, and frames requests itself the way
 * a lenient HTTP/1.1 server does: by {@code Content-Length}, else by {@code Transfer-Encoding: chunked}, else as
 * having no body. So bytes a gateway forwards beyond a request's framing are read as the next request. Each
 * request head gets {@link #response()} as the reply.
 */
final class RawBackend implements AutoCloseable {

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<ByteArrayOutputStream> connections = new CopyOnWriteArrayList<>();
    private final List<String> requestHeads = new CopyOnWriteArrayList<>();
    private volatile String response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok";

    private RawBackend(ServerSocket server) {
        this.server = server;
    }

    static RawBackend start() throws IOException {
        RawBackend backend = new RawBackend(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        backend.threads.execute(backend::acceptLoop);
        return backend;
    }

    int port() {
        return server.getLocalPort();
    }

    String response() {
        return response;
    }

    /** Sets the raw bytes sent in reply to each request head. */
    void respondWith(String rawResponse) {
        this.response = rawResponse;
    }

    /** Returns the request heads read so far, each as received, without the final empty line. */
    List<String> requestHeads() {
        return List.copyOf(requestHeads);
    }

    /** Returns every byte received on every connection, connections in order of acceptance. */
    String allBytes() {
        StringBuilder all = new StringBuilder();
        for (ByteArrayOutputStream connection : connections) {
            synchronized (connection) {
                all.append(connection.toString(ISO_8859_1));
            }
        }
        return all.toString();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        connections.add(received);
        try (socket) {
            RecordingInput in = new RecordingInput(socket.getInputStream(), received);
            OutputStream out = socket.getOutputStream();
            String head;
            while ((head = in.readHead()) != null) {
                requestHeads.add(head);
                readBody(in, head);
                out.write(response.getBytes(ISO_8859_1));
                out.flush();
            }
        } catch (SocketException e) {
            // The gateway closed the connection.
        } catch (IOException e) {
            throw new IllegalStateException("raw backend failed", e);
        }
    }

    private static void readBody(RecordingInput in, String head) throws IOException {
        String lowerCase = head.toLowerCase(Locale.ROOT);
        int lengthIndex = lowerCase.indexOf("\r\ncontent-length:");
        if (lengthIndex >= 0) {
            int end = lowerCase.indexOf("\r\n", lengthIndex + 2);
            String value = head.substring(lengthIndex + "\r\ncontent-length:".length(), end < 0 ? head.length() : end);
            in.skip(Long.parseLong(value.trim()));
        } else if (lowerCase.contains("\r\ntransfer-encoding: chunked")) {
            long size;
            while ((size = Long.parseLong(in.readLine().trim(), 16)) > 0) {
                in.skip(size);
                in.readLine();
            }
            in.readLine();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }

    /** Reads lines and bytes from a socket while copying every byte into a buffer. */
    private static final class RecordingInput {
        private final InputStream in;
        private final ByteArrayOutputStream copy;

        RecordingInput(InputStream in, ByteArrayOutputStream copy) {
            this.in = in;
            this.copy = copy;
        }

        int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                synchronized (copy) {
                    copy.write(b);
                }
            }
            return b;
        }

        /** Returns the next head up to its empty line, or {@code null} at the end of the stream. */
        String readHead() throws IOException {
            StringBuilder head = new StringBuilder();
            String line;
            while ((line = readLineOrNull()) != null) {
                if (line.isEmpty()) {
                    if (head.length() == 0) {
                        continue;
                    }
                    return head.toString();
                }
                if (head.length() > 0) {
                    head.append("\r\n");
                }
                head.append(line);
            }
            return null;
        }

        String readLine() throws IOException {
            String line = readLineOrNull();
            if (line == null) {
                throw new IOException("connection ended inside a message");
            }
            return line;
        }

        private String readLineOrNull() throws IOException {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = read()) >= 0) {
                if (b == '\n') {
                    int length = line.length();
                    return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1)
                            : line.toString();
                }
                line.append((char) b);
            }
            return line.length() == 0 ? null : line.toString();
        }

        void skip(long count) throws IOException {
            for (long i = 0; i < count; i++) {
                if (read() < 0) {
                    throw new IOException("connection ended inside a body");
                }
            }
        }
    }
}
