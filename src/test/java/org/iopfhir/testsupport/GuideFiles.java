package org.iopfhir.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every JSON resource the guide ships: its profiles, its terminology, the example episodes and their variants. */
public final class GuideFiles {

    private GuideFiles() {
    }

    public static List<Path> all() {
        List<Path> all = new ArrayList<>();
        for (String dir : List.of("profiles", "terminology", "profiles/examples")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter(f -> f.toString().endsWith(".json")).sorted().forEach(all::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }
}
