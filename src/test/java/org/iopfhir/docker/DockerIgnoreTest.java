package org.iopfhir.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The .dockerignore rules DockerBuildIT applies to the build context, as Docker applies them. */
class DockerIgnoreTest {

    @Test
    void anAllowListKeepsOnlyWhatItReincludes(@TempDir Path dir) throws IOException {
        DockerIgnore ignore = ignore(dir, "# comment", "*", "!pom.xml", "!src/", "**/*.log");
        assertThat(ignore.excludes("pom.xml")).isFalse();
        assertThat(ignore.excludes("src/main/java/A.java")).isFalse();
        assertThat(ignore.excludes("src/main/resources/app.log")).isTrue();
        assertThat(ignore.excludes("bench/LoadDriver.java")).isTrue();
        assertThat(ignore.excludes("README.md")).isTrue();
    }

    @Test
    void aDirectoryPatternCoversItsContentsAndTheLastMatchWins(@TempDir Path dir) throws IOException {
        DockerIgnore ignore = ignore(dir, "/target", "docs/*.md", "!docs/keep.md", "a?c");
        assertThat(ignore.excludes("target/classes/A.class")).isTrue();
        assertThat(ignore.excludes("src/target/x")).isFalse();
        assertThat(ignore.excludes("docs/notes.md")).isTrue();
        assertThat(ignore.excludes("docs/keep.md")).isFalse();
        assertThat(ignore.excludes("docs/sub/notes.md")).isFalse();
        assertThat(ignore.excludes("abc")).isTrue();
        assertThat(ignore.excludes("abbc")).isFalse();
    }

    @Test
    void noFileExcludesNothing(@TempDir Path dir) throws IOException {
        assertThat(DockerIgnore.read(dir.resolve(".dockerignore")).excludes("anything/at/all")).isFalse();
    }

    @Test
    void theRepositorysDockerignoreKeepsWhatTheDockerfileCopies() throws IOException {
        DockerIgnore ignore = DockerIgnore.read(Path.of(".dockerignore"));
        for (Dockerfile.Copy copy : Dockerfile.read(Path.of("docker/Dockerfile")).build().copies()) {
            for (String source : copy.sources()) {
                String probe = Files.isDirectory(Path.of(source)) ? source + "/probe.json" : source;
                assertThat(ignore.excludes(probe)).as("COPY %s is in the build context", source).isFalse();
            }
        }
        assertThat(ignore.excludes("target/iop-fhir-server.jar")).isTrue();
        assertThat(ignore.excludes("data/iop-fhir.mv.db")).isTrue();
        assertThat(ignore.excludes(".git/HEAD")).isTrue();
    }

    private static DockerIgnore ignore(Path dir, String... lines) throws IOException {
        Path file = dir.resolve(".dockerignore");
        Files.write(file, java.util.List.of(lines));
        return DockerIgnore.read(file);
    }
}
