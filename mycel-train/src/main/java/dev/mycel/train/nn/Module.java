package dev.mycel.train.nn;

import java.util.List;

/** Something with trainable parameters, listed in one fixed order. */
public interface Module {
    List<Parameter> parameters();
}
