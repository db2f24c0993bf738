package org.iopfhir.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What can be checked of docker/helm/iop-fhir-server without helm (not packaged for Debian, so CI
 * has no {@code helm lint}): the chart's YAML files parse, every {@code .Values} path a template
 * names exists in values.yaml, template actions open and close in pairs, and the Deployment
 * agrees with the image about the port, the health endpoint and the non-root user.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("docker/helm/iop-fhir-server");
    private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?}}", Pattern.DOTALL);
    private static final Pattern VALUES_PATH = Pattern.compile("\\$?\\.Values((?:\\.[A-Za-z_][A-Za-z0-9_]*)+)");

    @Test
    void chartAndValuesParse() throws IOException {
        Map<String, Object> chart = yaml(CHART.resolve("Chart.yaml"));
        assertThat(chart).containsEntry("apiVersion", "v2").containsEntry("name", "iop-fhir-server");
        assertThat(String.valueOf(chart.get("version"))).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(chart.get("appVersion")).isNotNull();
        assertThat(yaml(CHART.resolve("values.yaml"))).containsKeys("image", "database", "security", "config");
    }

    @Test
    void everyValuesPathNamedByATemplateIsInValuesYaml() throws IOException {
        Map<String, Object> values = yaml(CHART.resolve("values.yaml"));
        for (Path template : templates()) {
            Matcher m = VALUES_PATH.matcher(Files.readString(template));
            while (m.find()) {
                Object node = values;
                for (String key : m.group(1).substring(1).split("\\.")) {
                    assertThat(node).as("%s: .Values%s (at %s)", template.getFileName(), m.group(1), key)
                            .isInstanceOf(Map.class);
                    Map<?, ?> map = (Map<?, ?>) node;
                    assertThat(map.containsKey(key)).as("%s: .Values%s in values.yaml", template.getFileName(), m.group(1))
                            .isTrue();
                    node = map.get(key);
                }
            }
        }
    }

    @Test
    void templateActionsOpenAndCloseInPairs() throws IOException {
        for (Path template : templates()) {
            String text = Files.readString(template);
            assertThat(count(text, "{{")).as("%s: {{ and }}", template.getFileName()).isEqualTo(count(text, "}}"));
            Deque<String> open = new ArrayDeque<>();
            Matcher m = ACTION.matcher(text);
            while (m.find()) {
                String action = m.group(1);
                String keyword = action.split("[\\s(]", 2)[0];
                if (List.of("if", "with", "range", "define", "block").contains(keyword)) {
                    open.push(keyword);
                } else if (keyword.equals("end")) {
                    assertThat(open).as("%s: {{ end }} without an opening action", template.getFileName()).isNotEmpty();
                    open.pop();
                } else if (keyword.equals("else")) {
                    assertThat(open).as("%s: {{ else }} outside if/with/range", template.getFileName()).isNotEmpty();
                }
            }
            assertThat(open).as("%s: actions left open", template.getFileName()).isEmpty();
        }
    }

    @Test
    void theDeploymentAgreesWithTheImage() throws IOException {
        Dockerfile.Stage image = Dockerfile.read(Path.of("docker/Dockerfile")).runtime();
        String deployment = Files.readString(CHART.resolve("templates/deployment.yaml"));
        String healthPath = java.net.URI.create(image.healthcheckUrl()).getPath();
        assertThat(deployment).contains("containerPort: " + image.exposedPort());
        assertThat(deployment).contains("path: " + healthPath);
        assertThat(deployment).contains("path: " + healthPath.replace("readiness", "liveness"));

        String dockerfile = Files.readString(Path.of("docker/Dockerfile"));
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\d+)(?::(\\d+))?").matcher(dockerfile);
        assertThat(user.find()).as("numeric USER in the Dockerfile").isTrue();
        Map<String, Object> values = yaml(CHART.resolve("values.yaml"));
        Map<?, ?> pod = (Map<?, ?>) values.get("podSecurityContext");
        assertThat(pod.get("runAsNonRoot")).isEqualTo(true);
        assertThat(String.valueOf(pod.get("runAsUser"))).isEqualTo(user.group(1));
    }

    private static List<Path> templates() throws IOException {
        try (Stream<Path> files = Files.list(CHART.resolve("templates"))) {
            List<Path> list = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".tpl")
                    || f.toString().endsWith(".txt")).sorted().toList();
            assertThat(list).isNotEmpty();
            return list;
        }
    }

    private static int count(String text, String token) {
        int n = 0;
        for (int i = text.indexOf(token); i >= 0; i = text.indexOf(token, i + token.length())) {
            n++;
        }
        return n;
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return new Yaml().load(reader);
        }
    }
}
