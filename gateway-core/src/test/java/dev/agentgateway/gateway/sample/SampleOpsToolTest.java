package dev.agentgateway.gateway.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SampleOpsToolTest {

    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private SampleOpsTool tool;

    @BeforeEach
    void startTool() throws IOException {
        tool = SampleOpsTool.start("127.0.0.1", 0, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @AfterEach
    void stopTool() {
        tool.close();
    }

    @Test
    void healthReportsOk() throws Exception {
        HttpResponse<String> response = get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(json(response).path("status").asText()).isEqualTo("ok");
    }

    @Test
    void queuesListNamesAndDepths() throws Exception {
        HttpResponse<String> response = get("/queues");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode queues = json(response).path("queues");
        assertThat(queues.size()).isEqualTo(3);
        assertThat(queues.get(0).path("name").asText()).isEqualTo("payments");
        assertThat(queues.get(0).path("depth").asInt()).isEqualTo(42);
    }

    @Test
    void drainMarksNodeDrained() throws Exception {
        assertThat(tool.nodeState("node-7")).hasValue("active");

        HttpResponse<String> response = post("/nodes/node-7/drain", "", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("node").asText()).isEqualTo("node-7");
        assertThat(body.path("state").asText()).isEqualTo("drained");
        assertThat(body.path("previous_state").asText()).isEqualTo("active");
        assertThat(tool.nodeState("node-7")).hasValue("drained");
        assertThat(tool.nodeState("node-6")).hasValue("active");
    }

    @Test
    void drainTwiceKeepsNodeDrained() throws Exception {
        post("/nodes/node-2/drain", "", null);

        HttpResponse<String> second = post("/nodes/node-2/drain", "", null);

        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(json(second).path("previous_state").asText()).isEqualTo("drained");
    }

    @Test
    void drainUnknownNodeIsNotFound() throws Exception {
        HttpResponse<String> response = post("/nodes/node-99/drain", "", null);

        assertProblem(response, 404);
        assertThat(json(response).path("detail").asText()).contains("\"node-99\"");
        assertThat(tool.nodeState("node-99")).isEmpty();
    }

    @Test
    void drainInvalidNodeNameIsBadRequest() throws Exception {
        HttpResponse<String> response = post("/nodes/Node_7/drain", "", null);

        assertProblem(response, 400);
        assertThat(json(response).path("detail").asText()).contains("\"Node_7\"");
    }

    @Test
    void failoverSwitchesRegion() throws Exception {
        HttpResponse<String> response = post("/failover", "{\"region\":\"eu-west-1\"}", "application/json");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.path("active_region").asText()).isEqualTo("eu-west-1");
        assertThat(body.path("previous_region").asText()).isEqualTo("us-east-1");
        assertThat(tool.activeRegion()).isEqualTo("eu-west-1");
    }

    @Test
    void failoverRejectsMalformedJson() throws Exception {
        HttpResponse<String> response = post("/failover", "{\"region\":", "application/json");

        assertProblem(response, 400);
        assertThat(tool.activeRegion()).isEqualTo("us-east-1");
    }

    @Test
    void failoverRejectsTrailingContent() throws Exception {
        HttpResponse<String> response = post("/failover", "{\"region\":\"eu-west-1\"} {}", "application/json");

        assertProblem(response, 400);
        assertThat(tool.activeRegion()).isEqualTo("us-east-1");
    }

    @Test
    void failoverRejectsDuplicateMember() throws Exception {
        String body = "{\"region\":\"eu-west-1\",\"region\":\"ap-southeast-2\"}";

        HttpResponse<String> response = post("/failover", body, "application/json");

        assertProblem(response, 400);
    }

    @Test
    void failoverRejectsExtraMember() throws Exception {
        String body = "{\"region\":\"eu-west-1\",\"force\":true}";

        HttpResponse<String> response = post("/failover", body, "application/json");

        assertProblem(response, 400);
    }

    @Test
    void failoverRejectsUnknownRegion() throws Exception {
        HttpResponse<String> response = post("/failover", "{\"region\":\"mars-1\"}", "application/json");

        assertProblem(response, 400);
        assertThat(json(response).path("detail").asText()).contains("\"mars-1\"");
    }

    @Test
    void failoverRejectsNonJsonContentType() throws Exception {
        HttpResponse<String> response = post("/failover", "region=eu-west-1", "application/x-www-form-urlencoded");

        assertProblem(response, 415);
        assertThat(tool.activeRegion()).isEqualTo("us-east-1");
    }

    @Test
    void oversizedBodyIsRejected() throws Exception {
        String body = "{\"region\":\"" + "x".repeat(SampleOpsTool.MAX_BODY_BYTES) + "\"}";

        HttpResponse<String> response = post("/failover", body, "application/json");

        assertProblem(response, 413);
    }

    @Test
    void unknownPathIsNotFound() throws Exception {
        HttpResponse<String> response = get("/admin");

        assertProblem(response, 404);
        assertThat(json(response).path("detail").asText()).contains("\"/admin\"");
    }

    @Test
    void wrongMethodIsNotAllowed() throws Exception {
        HttpResponse<String> response = post("/queues", "", null);

        assertProblem(response, 405);
        assertThat(response.headers().firstValue("Allow")).hasValue("GET");
    }

    @Test
    void drainByGetIsNotAllowed() throws Exception {
        HttpResponse<String> response = get("/nodes/node-7/drain");

        assertProblem(response, 405);
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(tool.nodeState("node-7")).hasValue("active");
    }

    @Test
    void requestsAreRecordedWithHeaders() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/queues?limit=2"))
                .header("Txn-Token", "txn-token-value")
                .header("X-Forwarded-For", "127.0.0.1")
                .GET()
                .build();

        client.send(request, BodyHandlers.ofString());

        List<RecordedRequest> recorded = tool.receivedRequests();
        assertThat(recorded).hasSize(1);
        RecordedRequest received = recorded.get(0);
        assertThat(received.method()).isEqualTo("GET");
        assertThat(received.path()).isEqualTo("/queues");
        assertThat(received.receivedAt()).isEqualTo(NOW);
        assertThat(received.headerNames()).contains("txn-token", "x-forwarded-for");
        assertThat(received.firstHeader("TXN-TOKEN")).hasValue("txn-token-value");
        assertThat(received.hasHeader("authorization")).isFalse();
    }

    @Test
    void rejectedRequestsAreRecorded() throws Exception {
        get("/unknown");
        post("/queues", "", null);

        List<RecordedRequest> recorded = tool.receivedRequests();

        assertThat(recorded).extracting(RecordedRequest::path).containsExactly("/unknown", "/queues");
        assertThat(recorded).extracting(RecordedRequest::method).containsExactly("GET", "POST");
    }

    @Test
    void recordingKeepsMostRecentRequests() throws Exception {
        int sent = SampleOpsTool.RECORDED_REQUEST_LIMIT + 5;
        for (int i = 0; i < sent; i++) {
            client.send(HttpRequest.newBuilder(uri("/health")).header("X-Index", Integer.toString(i)).build(),
                    BodyHandlers.discarding());
        }

        List<RecordedRequest> recorded = tool.receivedRequests();

        assertThat(recorded).hasSize(SampleOpsTool.RECORDED_REQUEST_LIMIT);
        assertThat(recorded.get(0).firstHeader("x-index")).hasValue("5");
        assertThat(recorded.get(recorded.size() - 1).firstHeader("x-index")).hasValue(Integer.toString(sent - 1));
    }

    @Test
    void recordedSnapshotIsImmutable() throws Exception {
        get("/health");

        List<RecordedRequest> recorded = tool.receivedRequests();

        assertThatThrownBy(() -> recorded.add(recorded.get(0))).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> recorded.get(0).headers().put("x", List.of()))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void recordedToStringOmitsHeaderValues() throws Exception {
        client.send(HttpRequest.newBuilder(uri("/health")).header("Authorization", "DPoP secret-value").build(),
                BodyHandlers.discarding());

        String text = tool.receivedRequests().get(0).toString();

        assertThat(text).contains("authorization");
        assertThat(text).doesNotContain("secret-value");
    }

    @Test
    void baseUrlNamesBoundPort() {
        assertThat(tool.baseUrl()).isEqualTo("http://127.0.0.1:" + tool.address().getPort() + "/");
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).GET().build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return client.send(request.build(), BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create(tool.baseUrl()).resolve(path);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status) throws IOException {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("title").asText()).isNotEmpty();
        assertThat(problem.path("detail").asText()).isNotEmpty();
    }
}
